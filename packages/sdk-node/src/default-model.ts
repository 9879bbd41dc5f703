/**
 * The bundled default model behind the top-level functions: loaded once, lazily, on first use; reloaded if a
 * load failed or someone disposed it (core's createDefaultModelFunctions, shared with the web SDK).
 */
import { createDefaultModelFunctions } from '@siamese-sdk/core';
import { type LoadModelOptions, loadModel } from './load-model.js';

const functions = createDefaultModelFunctions((options?: LoadModelOptions) => loadModel(undefined, options));

/** The bundled model (loaded on first call; later calls share it). Options apply to the first load only. */
export const defaultModel = functions.defaultModel;
/** Ranks the labels of `supportSet` by similarity to `query`, with the bundled model. */
export const rank = functions.rank;
/** Unit-length embedding(s) from the bundled model. */
export const embed = functions.embed;
/** Distance, similarity, calibrated probability and same/different for two images, with the bundled model. */
export const similarity = functions.similarity;
/** A reusable support set embedded with the bundled model. */
export const supportSet = functions.supportSet;
