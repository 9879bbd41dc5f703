/**
 * @siamese-sdk/web — few-shot image similarity in the browser: the siamese-sdk API on onnxruntime-web.
 */
import { provideLazyApproximateIndex } from './approximate-index.js';

// Approximate search loads as a separate chunk on first use (a call here, not a bare import: the package is
// side-effect free for bundlers, which would drop a module imported only for its effect).
provideLazyApproximateIndex();

export { loadModel, SiameseModel, type LoadModelOptions, type ModelInfo } from './load-model.js';
export { defaultModel, rank, embed, similarity, supportSet } from './default-model.js';
export { defaultModelUrl, type ModelSource } from './model-source.js';
export { decodeWebImage, type WebImageInput, type DecodeOptions } from './decode-image.js';
export type { DeviceRequest, WebDevice } from './ort-backend.js';
export type { FetchLimits } from '@siamese-sdk/core';
export { probeWebGpu, type WebGpuAvailability } from './webgpu-adapter.js';
export {
  SiameseError,
  isSiameseError,
  SupportSet,
  DEFAULT_MAX_PIXELS,
  BUNDLED_MODEL_FILES,
  type BundledDType,
  type SiameseErrorCode,
  type SiameseErrorDetails,
  type ModelMetadata,
  type RawImage,
  type RankOptions,
  type RankResult,
  type RankResultJSON,
  type RankMatch,
  type RankStrategy,
  type SimilarityResult,
  type SupportEntries,
  type SupportSetJSON,
  type SupportSetOptions,
  type SupportSetSearch,
  type ApproximateIndexOptions,
  type EmbeddingModel,
  type EmbeddingModelOptions,
} from '@siamese-sdk/core';
