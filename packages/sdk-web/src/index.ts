export { OrtWebBackend } from './ort-backend.js';
export { decodeWebImage } from './decode-image.js';
export { probeWebGpu } from './webgpu-adapter.js';
export { SiameseError } from '@siamese-sdk/core';
