/**
 * The bundled default model behind the top-level functions: loaded once, lazily, on first use; reloaded if a
 * load failed or someone disposed it.
 */
import type { RankOptions, RankResult, SimilarityResult, SupportSet } from '@siamese-sdk/core';
import type { ImageInput } from './image-input.js';
import { type LoadModelOptions, loadModel } from './load-model.js';
import type { SiameseModel, SupportSetInput } from './siamese-model.js';

let loading: Promise<SiameseModel> | undefined;

/** The bundled model (loaded on first call; later calls share it). Options apply to the first load only. */
export async function defaultModel(options?: LoadModelOptions): Promise<SiameseModel> {
  if (loading) {
    const model = await loading.catch(() => undefined);
    if (model && !model.isDisposed) return model;
  }
  loading = loadModel(undefined, options);
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** Ranks the labels of `supportSet` by similarity to `query`, with the bundled model. */
export async function rank(query: ImageInput, supportSet: SupportSet<ImageInput> | SupportSetInput, options?: RankOptions): Promise<RankResult> {
  return (await defaultModel()).rank(query, supportSet, options);
}

/** Unit-length embedding(s) from the bundled model. */
export async function embed(image: ImageInput): Promise<Float32Array>;
export async function embed(images: readonly ImageInput[]): Promise<Float32Array[]>;
export async function embed(images: ImageInput | readonly ImageInput[]): Promise<Float32Array | Float32Array[]> {
  const model = await defaultModel();
  return Array.isArray(images) ? model.embed(images as readonly ImageInput[]) : model.embed(images as ImageInput);
}

/** Distance, similarity, calibrated probability and same/different for two images, with the bundled model. */
export async function similarity(a: ImageInput, b: ImageInput): Promise<SimilarityResult> {
  return (await defaultModel()).similarity(a, b);
}

/** A reusable support set embedded with the bundled model. */
export async function supportSet(entries: SupportSetInput): Promise<SupportSet<ImageInput>> {
  return (await defaultModel()).supportSet(entries);
}
