/**
 * The default model behind the top-level functions (models/omniglot-conv4.onnx beside the bundle): loaded once,
 * lazily, on first use; reloaded if a load failed or someone disposed it (core's createDefaultModelFunctions,
 * shared with the Node SDK).
 */
import { createDefaultModelFunctions } from '@siamese-sdk/core';
import { loadModel, type LoadModelOptions } from './load-model.js';

const functions = createDefaultModelFunctions((options?: LoadModelOptions) => loadModel(undefined, options));

/** The default model (loaded on first call; later calls share it). Options apply to the first load only. */
export const defaultModel = functions.defaultModel;
/** Ranks the labels of `supportSet` by similarity to `query`, with the default model. */
export const rank = functions.rank;
/** Unit-length embedding(s) from the default model. */
export const embed = functions.embed;
/** Distance, similarity, calibrated probability and same/different for two images, with the default model. */
export const similarity = functions.similarity;
/** A reusable support set embedded with the default model. */
export const supportSet = functions.supportSet;
