/**
 * The default model behind the top-level functions (models/omniglot-conv4.onnx beside the bundle): loaded once,
 * lazily, on first use; reloaded if a load failed or someone disposed it (core's createDefaultModelFunctions,
 * shared with the Node SDK).
 */
import { createDefaultModelFunctions } from '@siamese-sdk/core';
import { loadModel, type LoadModelOptions } from './load-model.js';

/** defaultModel(options?) loads on first call (options apply to that load only); rank, embed, similarity and
 * supportSet are the model's own methods, called on it. */
export const { defaultModel, rank, embed, similarity, supportSet } = createDefaultModelFunctions((options?: LoadModelOptions) =>
  loadModel(undefined, options),
);
