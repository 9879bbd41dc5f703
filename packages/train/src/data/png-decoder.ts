/**
 * The trainer's PNG decoder: core's fast decoder (shared with the Node SDK) with node:zlib's inflate. Decoding
 * Omniglot's 32,460 1-bit PNGs with jimp takes minutes; this takes seconds. Files outside the fast decoder's
 * subset throw IMAGE_UNSUPPORTED_FORMAT and damaged ones IMAGE_DECODE (decodeImageBytes then asks jimp).
 */
import { inflateSync } from 'node:zlib';
import { type InflateFunction, type RawImage, decodePng as decodePngWith, isPng } from '@siamese-sdk/core';

export { isPng };

/** node:zlib for core's decoder: a longer stream throws instead of allocating more; `info` gives the bytes used. */
const inflate: InflateFunction = (compressed, maxOutputLength) => {
  const { buffer, engine } = inflateSync(compressed, { maxOutputLength: Math.max(1, maxOutputLength), info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  return { output: buffer, consumed: engine.bytesWritten };
};

export function decodePng(bytes: Uint8Array, maxPixels?: number): RawImage {
  return decodePngWith(bytes, { inflate, maxPixels });
}
