/**
 * Browser image inputs → the core's RawImage, decoded by the browser itself (createImageBitmap + a 2D canvas),
 * so no image codec ships in our bundle. Works on the main thread and in Web Workers (OffscreenCanvas). The forms
 * the Node SDK also takes (encoded bytes, Blob/File, URLs, data: URLs, raw pixels) behave the same in both.
 */
import {
  DEFAULT_IMAGE_FETCH_LIMITS,
  DEFAULT_MAX_PIXELS,
  SiameseError,
  captureRawImage,
  createPixelCapture,
  checkImageSize,
  checkPixelLimit,
  decodeDataUrl,
  isDataUrl,
  isRawImage,
  resolveFetchLimits,
  type FetchLimits,
  type ImageCapture,
  type RawImage,
} from '@siamese-sdk/core';
import { fetchBlob } from './fetch-bytes.js';

/**
 * Every image form the web SDK accepts. A string is a URL, resolved against the page (or worker) location, or a
 * data: URL; a Uint8Array or ArrayBuffer holds an encoded image (PNG, JPEG, ... bytes), as in the Node SDK.
 */
export type WebImageInput =
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | ImageData
  | Blob
  | Uint8Array
  | ArrayBuffer
  | URL
  | string
  | RawImage;

export interface DecodeOptions extends FetchLimits {
  /** Refuse images with more pixels than this, checked from the header before decoding (default 50 megapixels). */
  maxPixels?: number;
}

const hasGlobal = (name: string): boolean => typeof (globalThis as Record<string, unknown>)[name] === 'function';
const isInstance = <T>(value: unknown, name: string): value is T =>
  hasGlobal(name) && value instanceof ((globalThis as Record<string, unknown>)[name] as abstract new (...args: never[]) => T);

/** A 2D context to read pixels from: OffscreenCanvas where it exists (workers too), a DOM canvas otherwise. */
function scratchContext(width: number, height: number): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  const options: CanvasRenderingContext2DSettings = { willReadFrequently: true, colorSpace: 'srgb' };
  if (hasGlobal('OffscreenCanvas')) {
    const ctx = new OffscreenCanvas(width, height).getContext('2d', options);
    if (ctx) return ctx;
  } else if (typeof document !== 'undefined') {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d', options);
    if (ctx) return ctx;
  }
  throw new SiameseError('BACKEND', 'this browser context has no 2D canvas to read image pixels');
}

/** Draws a decoded source and reads back its RGBA pixels (opaque images are exact; see README on alpha). */
function pixelsOf(source: CanvasImageSource, width: number, height: number, maxPixels: number): RawImage {
  checkPixelLimit(width, height, maxPixels);
  const ctx = scratchContext(width, height);
  ctx.drawImage(source, 0, 0);
  let data: Uint8ClampedArray;
  try {
    ({ data } = ctx.getImageData(0, 0, width, height));
  } catch (e) {
    // A cross-origin image loaded without CORS "taints" the canvas: the browser shows it but never lets us read it.
    throw new SiameseError(
      'IMAGE_DECODE',
      'the browser forbids reading this image\'s pixels (a cross-origin image without CORS); serve it with Access-Control-Allow-Origin and set crossOrigin="anonymous" on the <img>, or pass the URL or a Blob instead',
      {},
      { cause: e },
    );
  }
  return { data, width, height, channels: 4 };
}

async function decodeBlob(blob: Blob, maxPixels: number): Promise<RawImage> {
  return decodeBytes(new Uint8Array(await blob.arrayBuffer()), maxPixels);
}

/** The formats browsers decode, as named when bytes are none of them (TIFF only in some browsers). */
const WEB_IMAGE_FORMATS = 'PNG, JPEG, GIF, BMP or WebP';

/** Encoded image bytes → pixels. The bytes are read (copied into a Blob) before the first await. */
async function decodeBytes(bytes: Uint8Array, maxPixels: number): Promise<RawImage> {
  // Same checks as the Node SDK, from the header alone: format known, not empty, within the pixel limit. The
  // checks Node adds for jimp's codecs (core's checkImageHeader) are left out: the browser's decoder is its own.
  checkImageSize(bytes, { maxPixels, formats: WEB_IMAGE_FORMATS });
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
  let bitmap: ImageBitmap;
  try {
    // No colour management or premultiplication: the pixel values must match what jimp decodes in Node.
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new SiameseError('IMAGE_DECODE', `the browser could not decode the image (${(e as Error).message || 'corrupt or truncated'})`, {}, { cause: e });
  }
  try {
    return pixelsOf(bitmap, bitmap.width, bitmap.height, maxPixels);
  } finally {
    bitmap.close();
  }
}

async function decodeImageElement(image: HTMLImageElement, maxPixels: number): Promise<RawImage> {
  try {
    await image.decode();
  } catch (e) {
    throw new SiameseError('IMAGE_DECODE', `the <img> (${image.currentSrc || image.src || 'no src'}) could not be decoded`, { url: image.currentSrc || image.src }, { cause: e });
  }
  return pixelsOf(image, image.naturalWidth, image.naturalHeight, maxPixels);
}

/** The pixels an input holds in memory (ImageData, raw pixels), or undefined for every other form. */
function heldPixels(input: unknown): RawImage | undefined {
  if (isInstance<ImageData>(input, 'ImageData')) return { data: input.data, width: input.width, height: input.height, channels: 4 };
  return isRawImage(input) ? input : undefined;
}

/**
 * The model's capture (core's ImageCapture): ImageData and raw pixels are checked and copied when a call is made,
 * so a caller may reuse its buffer for the next frame at once. Other forms are left as they are.
 */
export function createWebCapture(maxPixels: number): ImageCapture<WebImageInput> {
  return createPixelCapture<WebImageInput>(heldPixels, maxPixels);
}

/** Decodes one input to RGBA (or the caller's raw channels). Every failure is a SiameseError. */
export async function decodeWebImage(input: WebImageInput, options: DecodeOptions = {}): Promise<RawImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (typeof input === 'string' || input instanceof URL) {
    const limits = resolveFetchLimits(options, DEFAULT_IMAGE_FETCH_LIMITS);
    const href = String(input);
    // Decoded here, as in Node (the same limit and errors), rather than by the browser's fetch.
    if (isDataUrl(href)) return decodeBytes(decodeDataUrl(href, limits.maxBytes), maxPixels);
    return decodeBlob(await fetchBlob(input, limits), maxPixels);
  }
  if (isInstance<Blob>(input, 'Blob')) return decodeBlob(input, maxPixels);
  if (input instanceof Uint8Array) return decodeBytes(input, maxPixels);
  if (input instanceof ArrayBuffer) return decodeBytes(new Uint8Array(input), maxPixels);
  if (isInstance<HTMLImageElement>(input, 'HTMLImageElement')) return decodeImageElement(input, maxPixels);
  if (isInstance<ImageBitmap>(input, 'ImageBitmap')) return pixelsOf(input, input.width, input.height, maxPixels);
  if (isInstance<HTMLCanvasElement>(input, 'HTMLCanvasElement') || isInstance<OffscreenCanvas>(input, 'OffscreenCanvas')) {
    return pixelsOf(input, input.width, input.height, maxPixels);
  }
  // ImageData and raw pixels: checked in the same order as in Node (core's captureRawImage); a copy the model's
  // capture made already is used as it is.
  const pixels = heldPixels(input);
  if (pixels) return captureRawImage(pixels, maxPixels);
  const kind = input === null ? 'null' : typeof input === 'object' ? (input as object).constructor?.name ?? 'object' : typeof input;
  throw new SiameseError(
    'INVALID_ARGUMENT',
    `unsupported image input (${kind}); pass an <img>, canvas, OffscreenCanvas, ImageBitmap, ImageData, Blob/File, Uint8Array/ArrayBuffer of an encoded image, URL, data: URL or raw { data, width, height, channels }`,
  );
}
