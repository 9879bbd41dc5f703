export * from './errors.js';
export * from './metadata.js';
export * from './image.js';
export * from './preprocess.js';
export * from './protobuf.js';
export * from './onnx-schema.js';
export * from './onnx-model-info.js';
