export { DEFAULT_NET_CONFIG, type NetConfig } from './net-config.js';
export { L2Normalize, l2Normalize, L2_NORMALIZE_EPSILON, type L2NormalizeArgs } from './l2-normalize.js';
export {
  buildEmbeddingNet,
  resolveNetConfig,
  blockWidths,
  sameNetOption,
  featureMapSize,
  flattenedSize,
  embeddingDimension,
  weightNames,
  BATCH_NORM_MOMENTUM,
  BATCH_NORM_EPSILON,
} from './build-embedding-net.js';
