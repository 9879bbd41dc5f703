/**
 * Pixels a caller holds (a raw image, a jimp bitmap, an ImageData) are copied when the call is made, not when its
 * decoding runs: decoding is deferred (batches are decoded a few at a time, single images after a microtask), and a
 * caller that reuses one buffer for successive frames would otherwise have every call read the last frame.
 * Both SDKs capture through this one function, so they check such images in the same order with the same errors.
 */
import type { RawImage } from './image.js';
import { assertRawImage } from './preprocess.js';

/** Copies made here: checked already and private to the SDK, so capturing one again needs no second copy. */
const captured = new WeakSet<RawImage>();

/**
 * Checks `image` (dimensions, then `maxPixels`, then channels and data: see assertRawImage) and returns a private
 * copy of its pixels. An image this function returned is returned as it is.
 */
export function captureRawImage(image: RawImage, maxPixels: number): RawImage {
  if (captured.has(image)) return image;
  assertRawImage(image, maxPixels);
  const { width, height, channels } = image;
  // A new array, never `.slice()`: a Node Buffer's slice is a view of the caller's memory. ImageData's
  // Uint8ClampedArray stays clamped (the values are the same either way).
  const data = image.data instanceof Uint8ClampedArray ? new Uint8ClampedArray(image.data) : new Uint8Array(image.data);
  const copy: RawImage = { data, width, height, channels };
  captured.add(copy);
  return copy;
}

/**
 * An SDK's capture (core's ImageCapture, for input types that include RawImage): the pixels `heldPixels` finds in an input (each SDK knows its own forms:
 * raw pixels, jimp images, ImageData) are checked and copied when the call is made; other inputs pass unchanged.
 */
export function createPixelCapture<TInput>(heldPixels: (input: TInput) => RawImage | undefined, maxPixels: number): (input: TInput) => TInput | RawImage {
  return (input) => {
    const pixels = heldPixels(input);
    return pixels ? captureRawImage(pixels, maxPixels) : input;
  };
}
