/** Messages between the decode pool and its workers. */
import type { PreprocessTarget, SiameseErrorCode, SiameseErrorDetails } from '@siamese-sdk/core';
import type { PngDecoderChoice } from './decode-bytes.js';

export interface DecodeJob {
  id: number;
  /** Exactly one of path / bytes. */
  path?: string;
  bytes?: Uint8Array;
  maxPixels: number;
  png: PngDecoderChoice;
  target: PreprocessTarget;
}

export type DecodeReply =
  | { id: number; ok: true; tensor: Float32Array }
  | { id: number; ok: false; code: SiameseErrorCode; message: string; details: SiameseErrorDetails };
