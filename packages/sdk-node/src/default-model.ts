/**
 * The bundled default model behind the top-level functions: loaded once, lazily, on first use; reloaded if a
 * load failed or someone disposed it (core's createDefaultModelFunctions, shared with the web SDK).
 */
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_PIXELS, createDefaultModelFunctions } from '@siamese-sdk/core';
import { type LoadModelOptions, loadModel } from './load-model.js';
import { DEFAULT_WORKER_THRESHOLD } from './node-decoder.js';

/** defaultModel(options?) loads on first call; later calls with no options share it, and options that differ from
 * the loaded model's are an error. rank, embed, similarity and supportSet are the model's own methods, called on it. */
export const { defaultModel, rank, embed, similarity, supportSet } = createDefaultModelFunctions(
  (options?: LoadModelOptions) => loadModel(undefined, options),
  { dtype: 'fp32', device: 'auto', batchSize: DEFAULT_BATCH_SIZE, maxPixels: DEFAULT_MAX_PIXELS, workerThreshold: DEFAULT_WORKER_THRESHOLD, pngDecoder: 'fast' },
);
