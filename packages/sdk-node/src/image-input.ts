/**
 * The image inputs the Node SDK accepts, and how each is recognised: a file path, `Buffer`/`Uint8Array`/
 * `ArrayBuffer` of an encoded image, a `Blob`/`File`, a `URL` or http(s) string, a `data:` URL, a jimp image, or raw
 * pixels. (The web SDK accepts the same forms where a browser has them.)
 */
import { Blob } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { type ImageCapture, type RawImage, SiameseError, createPixelCapture, isDataUrl, isRawImage, shortDataUrl } from '@siamese-sdk/core';
import { assertFetchable, looksLikeUrl } from './fetch-url.js';

/** Anything with jimp's `bitmap` (RGBA pixels): a `Jimp` instance from `Jimp.read`, `new Jimp(...)`, ... */
export interface JimpImageLike {
  bitmap: { data: Uint8Array; width: number; height: number };
}

export type ImageInput = string | URL | Uint8Array | ArrayBuffer | Blob | RawImage | JimpImageLike;

/** Where an input's pixels come from, after classification. */
export type ImageSource =
  | { kind: 'path'; path: string }
  | { kind: 'url'; url: URL }
  | { kind: 'data-url'; url: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'blob'; blob: Blob }
  | { kind: 'pixels'; image: RawImage };

function isJimpLike(value: unknown): value is JimpImageLike {
  if (typeof value !== 'object' || value === null || !('bitmap' in value)) return false;
  const b = (value as JimpImageLike).bitmap;
  return typeof b === 'object' && b !== null && b.data instanceof Uint8Array && typeof b.width === 'number' && typeof b.height === 'number';
}

/** The pixels an input holds in memory (raw pixels, a jimp image), or undefined for every other form. */
function heldPixels(input: unknown): RawImage | undefined {
  if (isRawImage(input)) return input;
  if (isJimpLike(input)) {
    const { data, width, height } = input.bitmap;
    return { data, width, height, channels: 4 };
  }
  return undefined;
}

/**
 * The model's capture (core's ImageCapture): pixels are checked and copied when a call is made, so a caller may
 * reuse its buffer for the next frame at once. Encoded forms are left as they are.
 */
export function createNodeCapture(maxPixels: number): ImageCapture<ImageInput> {
  return createPixelCapture<ImageInput>(heldPixels, maxPixels);
}

export function classifyImageInput(input: unknown): ImageSource {
  if (typeof input === 'string') {
    if (input.length === 0) throw new SiameseError('INVALID_ARGUMENT', 'an image path must not be empty');
    if (isDataUrl(input)) return { kind: 'data-url', url: input };
    if (looksLikeUrl(input)) return classifyUrl(new URL(input));
    return { kind: 'path', path: input };
  }
  if (input instanceof URL) return classifyUrl(input);
  if (input instanceof Uint8Array) return { kind: 'bytes', bytes: input };
  if (input instanceof ArrayBuffer) return { kind: 'bytes', bytes: new Uint8Array(input) };
  if (input instanceof Blob) return { kind: 'blob', blob: input }; // File too (a Blob)
  const pixels = heldPixels(input);
  if (pixels) return { kind: 'pixels', image: pixels };
  const what = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input === 'object' ? (input.constructor?.name ?? 'object') : typeof input;
  throw new SiameseError(
    'INVALID_ARGUMENT',
    `not an image input: ${what} (expected a file path, Buffer/Uint8Array/ArrayBuffer, Blob/File, URL, data: URL, jimp image or { data, width, height, channels })`,
  );
}

function classifyUrl(url: URL): ImageSource {
  if (url.protocol === 'file:') return { kind: 'path', path: fileURLToPath(url) };
  if (url.protocol === 'data:') return { kind: 'data-url', url: url.href };
  assertFetchable(url);
  return { kind: 'url', url };
}

/** A short name for an input in error details. */
export function describeSource(source: ImageSource): { path?: string; url?: string } {
  if (source.kind === 'path') return { path: source.path };
  if (source.kind === 'url') return { url: source.url.href };
  if (source.kind === 'data-url') return { url: shortDataUrl(source.url) };
  return {};
}
