/**
 * The default model behind the top-level functions (models/omniglot-conv4.onnx beside the bundle): loaded once,
 * lazily, on first use; reloaded if a load failed or someone disposed it.
 */
import type { RankOptions, RankResult, SimilarityResult, SupportEntries, SupportSet } from '@siamese-sdk/core';
import type { WebImageInput } from './decode-image.js';
import { loadModel, type LoadModelOptions, type SiameseModel } from './load-model.js';

let loading: Promise<SiameseModel> | undefined;

/** The default model (loaded on first call; later calls share it). Options apply to the first load only. */
export async function defaultModel(options?: LoadModelOptions): Promise<SiameseModel> {
  if (loading) {
    const model = await loading.catch(() => undefined);
    if (model && !model.isDisposed) return model;
  }
  loading = loadModel(undefined, options);
  loading.catch(() => { loading = undefined; });
  return loading;
}

type SupportArgument = SupportSet<WebImageInput> | SupportEntries<WebImageInput>;

/** Ranks the labels of `supportSet` by similarity to `query`, with the default model. */
export async function rank(query: WebImageInput, supportSet: SupportArgument, options?: RankOptions): Promise<RankResult> {
  return (await defaultModel()).rank(query, supportSet, options);
}

/** Unit-length embedding(s) from the default model. */
export async function embed(image: WebImageInput): Promise<Float32Array>;
export async function embed(images: readonly WebImageInput[]): Promise<Float32Array[]>;
export async function embed(images: WebImageInput | readonly WebImageInput[]): Promise<Float32Array | Float32Array[]> {
  const model = await defaultModel();
  return Array.isArray(images) ? model.embed(images as readonly WebImageInput[]) : model.embed(images as WebImageInput);
}

/** Distance, similarity, calibrated probability and same/different for two images, with the default model. */
export async function similarity(a: WebImageInput, b: WebImageInput): Promise<SimilarityResult> {
  return (await defaultModel()).similarity(a, b);
}

/** A reusable support set embedded with the default model. */
export async function supportSet(entries: SupportEntries<WebImageInput>): Promise<SupportSet<WebImageInput>> {
  return (await defaultModel()).supportSet(entries);
}
