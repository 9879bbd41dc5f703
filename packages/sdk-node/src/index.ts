/**
 * siamese-sdk for Node.js: few-shot image similarity with a bundled siamese ONNX model.
 *
 *   import { rank } from 'siamese-sdk';
 *   const result = await rank('query.png', 'support/');   // <dir>/<label>/<images>
 *   result[0].label, result.best.probability, result.unknown
 */
export { loadModel, type LoadModelOptions } from './load-model.js';
export { defaultModel, rank, embed, similarity, supportSet } from './default-model.js';
export { SiameseModel, type SupportSetInput, type ModelInfo } from './siamese-model.js';
export type { ImageInput, JimpImageLike } from './image-input.js';
export type { ModelSource } from './model-source.js';
export type { FetchLimits } from '@siamese-sdk/core';
export { type DeviceOption, cudaProviderInstalled } from './onnx-backend.js';
export { readSupportDirectory } from './support-directory.js';
export { closeDecodePool } from './decode-pool.js';
export { bundledModelPath } from './package-paths.js';
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
  type RawImage,
} from '@siamese-sdk/core';
