/**
 * A decoded image in memory, the common currency between decoders (jimp in Node, canvas in browsers,
 * PNG decoding in the trainer) and the preprocessing that feeds a model.
 */
export interface RawImage {
  /** Interleaved 8-bit samples, row-major, `width * height * channels` long. */
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** 1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA. */
  channels: 1 | 2 | 3 | 4;
}
