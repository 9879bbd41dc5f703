/**
 * Test-time shifted views: the train side's definition (withShiftViews over tfjs predict) and the exporter's graph
 * (Pad/Slice/Concat → network → ReduceMean → L2) compute the same embedding in onnxruntime-node and -web, for
 * fp32 and int8-qdq files, with uniform and per-channel backgrounds; bad views are typed errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SiameseError, readModelMetadata, type PreprocessSpec } from '@siamese-sdk/core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildEmbeddingNet } from '../../src/model/index.js';
import { OMNIGLOT_PREPROCESS } from '../../src/data/image-set.js';
import { exportActivationProbe, exportModelToOnnx, measureActivationRanges } from '../../src/export/index.js';
import { TTA_SHIFTS, backgroundFill, shiftImages, shiftViewsFor, withShiftViews, type ShiftViews } from '../../src/eval/shift-views.js';
import { buildFixtureNet } from './fixture-model.js';
import { maxAbsDiff, minRowCosine, nhwcToNchw, ortRuntimes, predictTf, randomizeWeights, rng, testMetadata, uniform, useCpuBackend } from './helpers.js';

const GRAY = { height: 28, width: 28, channels: 1 } as const;

function tfEmbed(model: LayersModel) {
  return async (images: Float32Array, n: number) => predictTf(model, images, n);
}

describe('shiftImages', () => {
  it('moves content by (dx, dy) and fills the uncovered border per channel', () => {
    // 3×2 image, 2 channels: pixel (y, x) = [10y + x, 100 + 10y + x]
    const shape = { height: 2, width: 3, channels: 2 };
    const img = new Float32Array(12);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) img.set([10 * y + x, 100 + 10 * y + x], (y * 3 + x) * 2);
    const right = shiftImages(img, 1, shape, [1, 0], [-1, -2]);
    expect(Array.from(right)).toEqual([-1, -2, 0, 100, 1, 101, -1, -2, 10, 110, 11, 111]);
    const up = shiftImages(img, 1, shape, [0, -1], [7, 8]);
    expect(Array.from(up)).toEqual([10, 110, 11, 111, 12, 112, 7, 8, 7, 8, 7, 8]);
    expect(shiftImages(img, 1, shape, [0, 0], [0, 0])).toBe(img);
  });

  it('fills with the background as preprocessing makes it', () => {
    expect(backgroundFill(OMNIGLOT_PREPROCESS.preprocess, 1)).toEqual([0]); // white paper, inverted: 0
    const rgb: PreprocessSpec = { resize: 'bilinear', background: [255, 0, 51], invert: false, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] };
    const fill = backgroundFill(rgb, 3);
    expect(fill[0]).toBeCloseTo(1, 6);
    expect(fill[1]).toBeCloseTo(-1, 6);
    expect(fill[2]).toBeCloseTo(0.1, 6);
  });
});

describe('test-time views: train side and exported graph agree', () => {
  let model: LayersModel;
  const n = 6;
  let x: Float32Array;
  let views: ShiftViews;
  beforeAll(async () => {
    await useCpuBackend();
    model = buildFixtureNet();
    // Strokes on a zero background, like Omniglot after inversion: shifts move real content.
    const random = rng(5);
    x = Float32Array.from({ length: n * 28 * 28 }, () => (random() < 0.15 ? random() : 0));
    views = shiftViewsFor(OMNIGLOT_PREPROCESS.preprocess, 1);
  });

  it('withShiftViews is the renormalised mean of the views and differs from a single view', async () => {
    const embed = withShiftViews(tfEmbed(model), views, GRAY, true);
    const got = await embed(x, n);
    const dim = got.length / n;
    const mean = new Float32Array(got.length);
    for (const shift of TTA_SHIFTS) {
      const e = predictTf(model, shiftImages(x, n, GRAY, shift, [0]), n);
      for (let i = 0; i < e.length; i++) mean[i] += e[i] / TTA_SHIFTS.length;
    }
    for (let r = 0; r < n; r++) {
      const row = mean.subarray(r * dim, (r + 1) * dim);
      const norm = Math.hypot(...row);
      for (let j = 0; j < dim; j++) expect(got[r * dim + j]).toBeCloseTo(row[j] / norm, 6);
    }
    expect(maxAbsDiff(got, predictTf(model, x, n))).toBeGreaterThan(1e-3);
  });

  it('an fp32 export with views computes withShiftViews in every runtime (opset 13 and 18)', async () => {
    const want = await withShiftViews(tfEmbed(model), views, GRAY, true)(x, n);
    for (const opset of [13, 18]) {
      const e = exportModelToOnnx(model, { metadata: testMetadata(1), views, opset });
      expect(e.stats.opTypes).toMatchObject({ Pad: 1, Slice: 5, Concat: 1, ReduceMean: 1 });
      for (const [runtime, run] of ortRuntimes(e.bytes, nhwcToNchw(x, n, 28, 28, 1), [n, 1, 28, 28])) {
        const { output, dims } = await run();
        expect(dims, runtime).toEqual([n, 64]);
        expect(maxAbsDiff(want, output), `${runtime}, opset ${opset}`).toBeLessThan(1e-5);
      }
    }
  });

  it('an int8-qdq export with views stays close to the float embedding', async () => {
    const random = rng(11);
    const calibration = Float32Array.from({ length: 64 * 28 * 28 }, () => (random() < 0.15 ? random() : 0));
    const ranges = await measureActivationRanges(exportActivationProbe(model, { views }), GRAY, calibration, 64);
    const e = exportModelToOnnx(model, { metadata: testMetadata(1), views, dtype: 'int8-qdq', activationRanges: ranges });
    expect(readModelMetadata(e.bytes).dtype).toBe('int8-qdq');
    const want = await withShiftViews(tfEmbed(model), views, GRAY, true)(x, n);
    for (const [runtime, run] of ortRuntimes(e.bytes, nhwcToNchw(x, n, 28, 28, 1), [n, 1, 28, 28])) {
      const { output } = await run();
      expect(minRowCosine(want, output, 64), runtime).toBeGreaterThan(0.97);
    }
  });

  it('a per-channel background and an unnormalised RGB net: the graph still matches', async () => {
    const rgbNet = buildEmbeddingNet({ inputSize: 20, channels: 3, width: 8, depth: 2, l2Normalize: false }, 3);
    randomizeWeights(rgbNet, 21);
    const preprocess: PreprocessSpec = { resize: 'bilinear', background: [255, 0, 51], invert: false, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] };
    const rgbViews = shiftViewsFor(preprocess, 3, [[0, 0], [2, -1], [-1, 2]]);
    const shape = { height: 20, width: 20, channels: 3 };
    const m = 3;
    const img = uniform(m * 20 * 20 * 3, rng(8), -1, 1);
    const want = await withShiftViews(tfEmbed(rgbNet), rgbViews, shape, false)(img, m);
    const e = exportModelToOnnx(rgbNet, { metadata: { ...testMetadata(3), preprocess }, views: rgbViews });
    expect(e.stats.opTypes).toMatchObject({ Sub: 1, Pad: 1, Add: 1, Slice: 3 });
    for (const [runtime, run] of ortRuntimes(e.bytes, nhwcToNchw(img, m, 20, 20, 3), [m, 3, 20, 20])) {
      const { output } = await run();
      expect(maxAbsDiff(want, output), runtime).toBeLessThan(1e-4);
    }
  });

  it('refuses views that cannot work, naming the problem', () => {
    const bad: [ShiftViews, RegExp][] = [
      [{ shifts: [], fill: [0] }, /at least one shift/],
      [{ shifts: [[0, 0], [0, 0]], fill: [0] }, /listed twice/],
      [{ shifts: [[0.5, 0]], fill: [0] }, /whole pixels/],
      [{ shifts: [[28, 0]], fill: [0] }, /out of view/],
      [{ shifts: [[1, 0]], fill: [0, 0] }, /one finite value per channel/],
    ];
    for (const [v, message] of bad) {
      let error: unknown;
      try {
        exportModelToOnnx(model, { metadata: testMetadata(1), views: v });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SiameseError);
      expect((error as SiameseError).code).toBe('INVALID_ARGUMENT');
      expect((error as Error).message).toMatch(message);
      expect(() => withShiftViews(tfEmbed(model), v, GRAY, true)).toThrow(message);
    }
  });
});
