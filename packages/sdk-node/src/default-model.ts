/**
 * The bundled default model behind the top-level functions: loaded once, lazily, on first use; reloaded if a
 * load failed or someone disposed it (core's createDefaultModelFunctions, shared with the web SDK).
 */
import { createDefaultModelFunctions } from '@siamese-sdk/core';
import { type LoadModelOptions, loadModel } from './load-model.js';

/** defaultModel(options?) loads on first call (options apply to that load only); rank, embed, similarity and
 * supportSet are the model's own methods, called on it. */
export const { defaultModel, rank, embed, similarity, supportSet } = createDefaultModelFunctions((options?: LoadModelOptions) =>
  loadModel(undefined, options),
);
