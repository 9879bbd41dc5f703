/**
 * The top-level `rank` with the default model, loaded once on first use (a failed load is retried next time).
 */
import type { RankOptions, RankResult, SupportEntries, SupportSet } from '@siamese-sdk/core';
import type { WebImageInput } from './decode-image.js';
import { loadModel, type LoadModelOptions, type SiameseModel } from './load-model.js';

let defaultModel: Promise<SiameseModel> | undefined;

/** The default model (models/omniglot-conv4.onnx beside the bundle), shared by every top-level call. */
export function getDefaultModel(options?: LoadModelOptions): Promise<SiameseModel> {
  if (!defaultModel) {
    defaultModel = loadModel(undefined, options);
    defaultModel.catch(() => { defaultModel = undefined; });
  }
  return defaultModel;
}

/** Ranks the labels of `supportSet` by similarity to `query` with the default model. */
export async function rank(
  query: WebImageInput,
  supportSet: SupportSet<WebImageInput> | SupportEntries<WebImageInput>,
  options?: RankOptions,
): Promise<RankResult> {
  return (await getDefaultModel()).rank(query, supportSet, options);
}
