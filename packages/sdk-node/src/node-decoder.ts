/**
 * The Node SDK's decoder for the core EmbeddingModel: classifies each input, fetches URLs, and decodes encoded
 * images — inline for small calls (lowest latency for a single query), on the worker pool for batches (all cores).
 */
import { type DecodedImage, type FetchLimits, type ModelMetadata, SiameseError, captureRawImage, decodeDataUrl } from '@siamese-sdk/core';
import { sharedDecodePool } from './decode-pool.js';
import { type PngDecoderChoice, decodeImageBytes, readImageFile } from './decode-bytes.js';
import { fetchBytes } from './fetch-url.js';
import { type ImageInput, type ImageSource, classifyImageInput, describeSource } from './image-input.js';

export interface DecodeOptions {
  maxPixels: number;
  fetch: Required<FetchLimits>;
  /** Decode on worker threads when a call has at least this many images (default 4; Infinity = never). */
  workerThreshold: number;
  /** PNG decoding: core's fast decoder with jimp as fallback (default), or jimp only. */
  png?: PngDecoderChoice;
}

export const DEFAULT_WORKER_THRESHOLD = 4;

export function createNodeDecoder(metadata: ModelMetadata, options: DecodeOptions) {
  const bytesOptions = { maxPixels: options.maxPixels, png: options.png ?? 'fast' };
  return async (input: ImageInput, _index: number, count: number): Promise<DecodedImage> => {
    const source = classifyImageInput(input);
    try {
      return await decodeSource(source, count);
    } catch (error) {
      if (error instanceof SiameseError) throw error.details.path || error.details.url ? error : error.withDetails(describeSource(source));
      throw error;
    }
  };

  async function decodeSource(source: ImageSource, count: number): Promise<DecodedImage> {
    if (source.kind === 'pixels') {
      // Pixels the caller holds (raw, jimp) were checked and copied when the call was made (the model's capture);
      // the check here is for a caller of this decoder without it. Same limit as files: preprocessing allocates per pixel.
      return captureRawImage(source.image, options.maxPixels);
    }
    const pool = count >= options.workerThreshold ? sharedDecodePool() : null;
    if (source.kind === 'path') {
      if (pool) return { preprocessed: await pool.decode({ path: source.path }, bytesOptions, metadata) };
      return decodeImageBytes(await readImageFile(source.path), bytesOptions.maxPixels, bytesOptions.png);
    }
    const bytes =
      source.kind === 'url' ? await fetchBytes(source.url, options.fetch)
      : source.kind === 'data-url' ? decodeDataUrl(source.url, options.fetch.maxBytes)
      : source.kind === 'blob' ? new Uint8Array(await source.blob.arrayBuffer())
      : source.bytes;
    if (pool) return { preprocessed: await pool.decode({ bytes }, bytesOptions, metadata) };
    return decodeImageBytes(bytes, bytesOptions.maxPixels, bytesOptions.png);
  }
}
