/**
 * Test-time augmentation by shifted views: the embedding of an image taken as the mean of the network's outputs
 * for the image and for copies of it shifted by a pixel or two (the uncovered border filled with the background),
 * renormalised when the network's output is unit length.
 *
 * This file is the train side's definition (an EmbedFn wrapper, for evaluation and calibration); the exporter
 * writes the same views as nodes of the ONNX graph (../export/shift-views-graph.ts), so an exported file computes
 * what was measured here and the SDKs need to know nothing about it.
 */
import { SiameseError, preprocessImage, type PreprocessSpec } from '@siamese-sdk/core';
import { normalizeRowsInPlace } from '../model/l2-normalize.js';
import type { EmbedFn } from './evaluate.js';

/** A shift in pixels of the model input: dx > 0 moves the content right, dy > 0 moves it down. */
export type PixelShift = readonly [dx: number, dy: number];

/** The image and its four 1-pixel shifts: what `--tta` means. */
export const TTA_SHIFTS: readonly PixelShift[] = [
  [0, 0],
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];

export interface ShiftViews {
  shifts: readonly PixelShift[];
  /** Per channel, in model-input units: what the uncovered border is filled with (the preprocessed background). */
  fill: readonly number[];
}

export interface ImageInputShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * The background colour as the model sees it, per channel: the preprocessing of a one-pixel image of that colour
 * (through core's own preprocessImage, so inversion and normalisation cannot drift from what serving does).
 */
export function backgroundFill(preprocess: PreprocessSpec, channels: 1 | 3): number[] {
  const [r, g, b] = preprocess.background;
  const pixel = preprocessImage({ data: Uint8Array.of(r, g, b), width: 1, height: 1, channels: 3 }, { input: { width: 1, height: 1, channels }, preprocess });
  return Array.from(pixel);
}

/** The views of a model with this preprocessing: `shifts` with the background as fill. */
export function shiftViewsFor(preprocess: PreprocessSpec, channels: 1 | 3, shifts: readonly PixelShift[] = TTA_SHIFTS): ShiftViews {
  return { shifts, fill: backgroundFill(preprocess, channels) };
}

/** Throws INVALID_ARGUMENT unless the views fit images of this shape. */
export function checkShiftViews(views: ShiftViews, input: ImageInputShape): void {
  const fail = (message: string): never => {
    throw new SiameseError('INVALID_ARGUMENT', `test-time views: ${message}`);
  };
  if (!Array.isArray(views.shifts) || views.shifts.length === 0) fail('at least one shift is needed');
  const seen = new Set<string>();
  for (const shift of views.shifts) {
    if (!Array.isArray(shift) || shift.length !== 2 || !shift.every((d) => Number.isInteger(d))) fail(`a shift is [dx, dy] in whole pixels, got ${JSON.stringify(shift)}`);
    const [dx, dy] = shift;
    if (Math.abs(dx) >= input.width || Math.abs(dy) >= input.height) fail(`shift [${dx}, ${dy}] moves a ${input.width}×${input.height} image out of view`);
    const key = `${dx},${dy}`;
    if (seen.has(key)) fail(`shift [${dx}, ${dy}] is listed twice`);
    seen.add(key);
  }
  if (views.fill.length !== input.channels || !views.fill.every((v) => Number.isFinite(v))) {
    fail(`the fill needs one finite value per channel (${input.channels}), got ${JSON.stringify(views.fill)}`);
  }
}

/** `n` NHWC images shifted by (dx, dy), the uncovered border set to `fill`. */
export function shiftImages(images: Float32Array, n: number, input: ImageInputShape, [dx, dy]: PixelShift, fill: readonly number[]): Float32Array {
  const { height: H, width: W, channels: C } = input;
  if (dx === 0 && dy === 0) return images;
  const out = new Float32Array(n * H * W * C);
  for (let i = 0; i < n; i++) {
    const base = i * H * W * C;
    for (let y = 0; y < H; y++) {
      const sy = y - dy;
      for (let x = 0; x < W; x++) {
        const sx = x - dx;
        const to = base + (y * W + x) * C;
        if (sy < 0 || sy >= H || sx < 0 || sx >= W) for (let c = 0; c < C; c++) out[to + c] = fill[c];
        else {
          const from = base + (sy * W + sx) * C;
          for (let c = 0; c < C; c++) out[to + c] = images[from + c];
        }
      }
    }
  }
  return out;
}

/**
 * `embed` through the views: the mean of its outputs over the shifted copies, and, when `renormalize` (the
 * network ends in an L2 normalisation), that mean scaled back to unit length the way the L2Normalize layer does
 * (x · 1/√max(Σx², 1e-12)) — the same operations, in the same order, as the exported graph.
 */
export function withShiftViews(embed: EmbedFn, views: ShiftViews, input: ImageInputShape, renormalize: boolean): EmbedFn {
  checkShiftViews(views, input);
  return async (images, n) => {
    let sum: Float32Array | undefined;
    for (const shift of views.shifts) {
      const out = await embed(shiftImages(images, n, input, shift, views.fill), n);
      if (!sum) sum = new Float32Array(out.length);
      for (let i = 0; i < out.length; i++) sum[i] += out[i];
    }
    const mean = sum as Float32Array;
    const count = views.shifts.length;
    for (let i = 0; i < mean.length; i++) mean[i] /= count;
    return renormalize && n > 0 ? normalizeRowsInPlace(mean, mean.length / n) : mean;
  };
}

/** The parts of a loaded run (../checkpoint/load-run.ts) that embedding through views needs. */
export interface ViewableRun {
  embed: EmbedFn;
  manifest: { preprocess: { input: ImageInputShape; preprocess: PreprocessSpec }; net: { l2Normalize?: boolean } };
}

/**
 * A run's embedding through `shifts` (its views, filled with its own background, renormalised when its network
 * ends in an L2 normalisation), or the run's own embedding when there are no shifts: what eval, export and the
 * card's scripts measure, so all of them measure the same thing.
 */
export function runThroughViews(run: ViewableRun, shifts: readonly PixelShift[] | undefined): { views?: ShiftViews; embed: EmbedFn } {
  if (!shifts) return { embed: run.embed };
  const { input, preprocess } = run.manifest.preprocess;
  const views = shiftViewsFor(preprocess, input.channels as 1 | 3, shifts);
  return { views, embed: withShiftViews(run.embed, views, input, run.manifest.net.l2Normalize !== false) };
}
