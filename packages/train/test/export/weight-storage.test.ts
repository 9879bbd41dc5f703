/**
 * fp16 and int8 weight storage: the bit-level conversions, and the Conv-4 exported each way running in
 * onnxruntime-node and -web with outputs close to the fp32 export. Sizes are printed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelMetadata } from '@siamese-sdk/core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../src/export/float16.js';
import { quantizeInt8 } from '../../src/export/passes/weight-storage.js';
import type { WeightDType } from '../../src/export/index.js';
import { exportFixture, fixtureReference } from './fixture-model.js';
import { maxAbsDiff, minRowCosine, ortRuntimes, predictTf, rng, uniform } from './helpers.js';

describe('float16 conversion', () => {
  it('rounds to nearest even and keeps specials', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff],
      [65520, 0x7c00], // halfway above the largest finite: ties to even = infinity
      [65519, 0x7bff], [Infinity, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
    ];
    for (const [value, bits] of cases) expect(float32ToFloat16Bits(value), String(value)).toBe(bits);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it('round-trips every finite float16 bit pattern', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0) continue; // NaN payloads
      if (float32ToFloat16Bits(float16BitsToFloat32(bits)) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('int8 quantisation', () => {
  it('uses one symmetric scale per output channel with error at most half a step', () => {
    const random = rng(3);
    const dims = [4, 3, 2, 2]; // conv weight [out, in, kh, kw]
    const w = uniform(48, random);
    for (let i = 12; i < 24; i++) w[i] *= 0.01; // channel 1 is tiny: its own scale keeps it precise
    for (let i = 36; i < 48; i++) w[i] = 0; // channel 3 is all zero
    const { q, scales } = quantizeInt8(w, dims, 0);
    expect(scales.length).toBe(4);
    expect(scales[3]).toBe(1);
    for (let i = 0; i < w.length; i++) {
      const c = Math.floor(i / 12);
      expect(Math.abs(q[i] * scales[c] - w[i])).toBeLessThanOrEqual(scales[c] / 2 + 1e-9);
      expect(Math.abs(q[i])).toBeLessThanOrEqual(127);
    }
    // The largest magnitude of each non-zero channel maps to ±127.
    for (let c = 0; c < 3; c++) expect(Math.max(...Array.from(q.subarray(c * 12, c * 12 + 12), Math.abs))).toBe(127);
  });
});

describe('Conv-4 stored as fp32, fp16 and int8', () => {
  let model: LayersModel;
  const n = 4;
  let x: Float32Array;
  let nchw: Float32Array;
  let fp32Output: Float32Array;
  const sizes: Partial<Record<WeightDType, number>> = {};

  beforeAll(async () => {
    ({ model, x, nchw, fp32Output } = await fixtureReference(n, 21));
    expect(maxAbsDiff(fp32Output, predictTf(model, x, n))).toBeLessThan(1e-4);
  });

  const limits: Record<Exclude<WeightDType, 'fp32'>, { maxAbs: number; minCosine: number; maxSizeRatio: number }> = {
    fp16: { maxAbs: 1e-3, minCosine: 0.9999, maxSizeRatio: 0.52 },
    int8: { maxAbs: 2e-2, minCosine: 0.995, maxSizeRatio: 0.28 },
  };

  for (const dtype of ['fp16', 'int8'] as const) {
    it(`${dtype}: smaller file, metadata says ${dtype}, runs in node and web, close to fp32`, async () => {
      const fp32 = exportFixture(model, 'fp32');
      const e = exportFixture(model, dtype);
      sizes.fp32 = fp32.bytes.length;
      sizes[dtype] = e.bytes.length;
      expect(readModelMetadata(e.bytes).dtype).toBe(dtype);
      expect(e.stats.opTypes[dtype === 'fp16' ? 'Cast' : 'DequantizeLinear']).toBeGreaterThan(0);
      expect(e.bytes.length / fp32.bytes.length).toBeLessThan(limits[dtype].maxSizeRatio);
      for (const [runtime, run] of ortRuntimes(e.bytes, nchw, [n, 1, 28, 28])) {
        const { output } = await run();
        const diff = maxAbsDiff(fp32Output, output);
        const minCosine = minRowCosine(fp32Output, output, 64); // both unit length
        console.log(`${dtype} ${runtime}: ${e.bytes.length} bytes (fp32 ${fp32.bytes.length}), max |Δ| vs fp32 ${diff.toExponential(2)}, min cosine ${minCosine.toFixed(6)}`);
        expect(diff).toBeLessThan(limits[dtype].maxAbs);
        expect(minCosine).toBeGreaterThan(limits[dtype].minCosine);
      }
    });
  }
});
