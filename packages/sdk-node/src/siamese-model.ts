/**
 * The Node SDK's model: the core EmbeddingModel with Node inputs (paths, buffers, URLs, jimp images, raw pixels)
 * and support sets that may also be a directory of `<label>/<images>`.
 */
import { EmbeddingModel, type EmbeddingModelOptions, type RankOptions, type RankResult, type SupportEntries, SupportSet, type SupportSetOptions } from '@siamese-sdk/core';
// Every support set of this SDK has a SiameseModel: importing this module provides their approximate index.
import './approximate-index.js';
import type { ImageInput } from './image-input.js';
import { readSupportDirectory } from './support-directory.js';

/** A support set argument: entries in any core form, or the path of a `<dir>/<label>/<images>` directory. */
export type SupportSetInput = SupportEntries<ImageInput> | string;

export interface ModelInfo {
  /** Where the model was loaded from (path, URL or "bytes"). */
  origin: string;
  /** SHA-256 of the model file. */
  sha256: string;
  /** Largest image accepted, in pixels (checked from the header before decoding). */
  maxPixels: number;
}

export class SiameseModel extends EmbeddingModel<ImageInput> {
  readonly origin: string;
  readonly sha256: string;
  readonly maxPixels: number;

  /** @internal use {@link loadModel}. */
  constructor(options: EmbeddingModelOptions<ImageInput>, info: ModelInfo) {
    super(options);
    this.origin = info.origin;
    this.sha256 = info.sha256;
    this.maxPixels = info.maxPixels;
  }

  override async supportSet(entries: SupportSetInput, options?: SupportSetOptions): Promise<SupportSet<ImageInput>> {
    if (typeof entries === 'string') return super.supportSet(await readSupportDirectory(entries), options);
    return super.supportSet(entries, options);
  }

  override rank(query: ImageInput, support: SupportSet<ImageInput> | SupportSetInput, options?: RankOptions): Promise<RankResult> {
    return super.rank(query, support as SupportSet<ImageInput> | SupportEntries<ImageInput>, options);
  }
}
