/**
 * Winograd F(2×2, 3×3) convolutions (forward, input gradient through Conv2D, filter gradient) against the cpu
 * backend's direct convolution: relative difference ≤ 1e-4, with even and odd maps, 'same' and 'valid' padding.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend, installedWasmKernels } from '../../src/backend/index.js';
import { filterGradRoute } from '../../src/backend/kernels/conv2d-backprop-filter.js';
import {
  winogradConv2d,
  winogradFilterGrad,
  winogradKernelsFor,
} from '../../src/backend/kernels/winograd-conv.js';
import { onBackend, relativeDifference, seededValues } from './parity.js';

interface Case {
  x: [number, number, number, number];
  co: number;
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
}

const cases: Case[] = [
  { x: [4, 14, 14, 8], co: 16, pad: 'same' }, // Conv-4's second block at a small batch
  { x: [2, 7, 7, 8], co: 8, pad: 'same' }, // odd map: the last tile row and column lie half outside
  { x: [2, 9, 8, 8], co: 8, pad: 'valid' }, // 7×6 output, no padding
  { x: [1, 7, 9, 16], co: 8, pad: 'same' }, // one image, non-square
  { x: [3, 12, 10, 8], co: 24, pad: 'same' }, // 90 tiles: blocks of 32 and a last block of 26 (not a multiple of 4)
  { x: [6, 14, 14, 8], co: 8, pad: 'same' }, // 294 tiles: more than one float64 fold of the filter gradient
  { x: [1, 6, 6, 8], co: 8, pad: 'same' }, // 9 tiles: one short first block whose padded product rows were never written
  { x: [2, 8, 9, 8], co: 16, pad: [[0, 0], [2, 0], [0, 1], [0, 0]] }, // explicit, asymmetric padding
  { x: [2, 7, 7, 8], co: 8, pad: 2 }, // padding wider than the filter's reach: whole tile rows in the padding
  { x: [2, 10, 10, 64], co: 32, pad: 'same' }, // many 4 × 8 product blocks per component
];

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const asInfo = (t: tf.Tensor): tf.TensorInfo => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });

function inputs(c: Case): { x: tf.Tensor4D; w: tf.Tensor4D; info: tf.backend_util.Conv2DInfo } {
  const filter: [number, number, number, number] = [3, 3, c.x[3], c.co];
  const x = tf.tensor4d(seededValues(size(c.x), 11), c.x);
  const w = tf.tensor4d(seededValues(size(filter), 12), filter);
  const info = tf.backend_util.computeConv2DInfo(c.x, filter, 1, 1, c.pad, undefined, false, 'channelsLast');
  return { x, w, info };
}

/** y, ∂/∂x and ∂/∂W of Σ conv(x, W) ⊙ R through the engine (the registered kernels). */
function throughEngine(c: Case): { y: Float32Array; dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const { x, w, info } = inputs(c);
    const r = tf.tensor(seededValues(size(info.outShape), 13), info.outShape);
    const conv = (xi: tf.Tensor, wi: tf.Tensor): tf.Tensor => tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, c.pad);
    const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(conv(xi, wi), r)))([x, w]);
    return { y: conv(x, w).dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

describe('Winograd F(2×2, 3×3) convolution on wasm', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'wasm', kernels: 'ours' })).toBe('wasm');
    expect(installedWasmKernels()).toBe('ours');
  });

  it('the SIMD filter-gradient transform is the adjoint of the filter transform', async () => {
    await tf.setBackend('wasm');
    const simd = winogradKernelsFor(inputs(cases[0]).info, tf.backend() as unknown as BackendWasm)!;
    const pairs = 32;
    const heap = simd.allocate((9 + 16 + 16 + 9) * pairs * 4);
    try {
      const [g, u, du, dg] = [heap, heap + 9 * pairs * 4, heap + 25 * pairs * 4, heap + 41 * pairs * 4];
      const gValues = seededValues(9 * pairs, 21);
      const duValues = seededValues(16 * pairs, 22);
      simd.floatsAt(g, 9 * pairs).set(gValues);
      simd.floatsAt(du, 16 * pairs).set(duValues);
      simd.winogradFilterTransform(g, u, pairs);
      simd.winogradFilterGradient(du, dg, pairs);
      const [uValues, dgValues] = [simd.floatsAt(u, 16 * pairs), simd.floatsAt(dg, 9 * pairs)];
      // ⟨T(g), dU⟩ = ⟨g, Tᵀ(dU)⟩
      let left = 0;
      let right = 0;
      uValues.forEach((value, i) => (left += value * duValues[i]));
      gValues.forEach((value, i) => (right += value * dgValues[i]));
      expect(Math.abs(left)).toBeGreaterThan(0.1);
      expect(Math.abs(left - right)).toBeLessThan(1e-5 * Math.max(1, Math.abs(left)));
      // One component by hand: U[1][1] = ((g00 + g10 + g20) + (g01 + g11 + g21) + (g02 + g12 + g22)) / 4 for pair 5.
      const at = (kh: number, kw: number) => gValues[(kh * 3 + kw) * pairs + 5];
      let sum = 0;
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) sum += at(kh, kw);
      expect(uValues[5 * pairs + 5]).toBeCloseTo(sum / 4, 5);
    } finally {
      simd.free(heap);
    }
  });

  for (const c of cases) {
    const label = `x ${c.x.join('×')} → ${c.co} channels, padding ${JSON.stringify(c.pad)}`;

    it(`${label}: every kernel call takes the Winograd route`, async () => {
      await tf.setBackend('wasm');
      const backend = tf.backend() as unknown as BackendWasm;
      const { x, w, info } = inputs(c);
      expect(winogradKernelsFor(info, backend)).not.toBeNull();
      expect(filterGradRoute(info, backend)).toBe('winograd');
      expect(filterGradRoute(info, backend, false)).not.toBe('winograd');
      // The input gradient is the forward convolution of dy with the flipped, channel-swapped filter: 3×3, stride 1,
      // padded as conv2d-backprop-input.ts pads it.
      const [padTop, padLeft] = [2 - info.padInfo.top, 2 - info.padInfo.left];
      const padBottom = info.inHeight - info.outHeight + 2 - padTop;
      const padRight = info.inWidth - info.outWidth + 2 - padLeft;
      const inputGradPad: tf.backend_util.ExplicitPadding = [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]];
      const inputGradInfo = tf.backend_util.computeConv2DInfo(info.outShape as [number, number, number, number], [3, 3, c.co, c.x[3]], 1, 1, inputGradPad, undefined, false, 'channelsLast');
      expect(inputGradInfo.outShape).toEqual(c.x);
      expect(winogradKernelsFor(inputGradInfo, backend)).not.toBeNull();
      tf.dispose([x, w]);
    });

    it(`${label}: forward and filter gradient called directly match the cpu backend`, async () => {
      const reference = await onBackend('cpu', () => throughEngine(c));
      await tf.setBackend('wasm');
      const backend = tf.backend() as unknown as BackendWasm;
      const { x, w, info } = inputs(c);
      const simd = winogradKernelsFor(info, backend)!;
      const dy = tf.tensor(seededValues(size(info.outShape), 13), info.outShape);
      const y = winogradConv2d(backend, simd, asInfo(x), asInfo(w), info);
      const dw = winogradFilterGrad(backend, simd, asInfo(x), asInfo(dy), info);
      const [yT, dwT] = [y, dw].map((o) => tf.engine().makeTensorFromDataId(o.dataId, o.shape, 'float32'));
      expect(yT.shape).toEqual(info.outShape);
      expect(dwT.shape).toEqual([3, 3, c.x[3], c.co]);
      expect(relativeDifference(yT.dataSync() as Float32Array, reference.y)).toBeLessThanOrEqual(1e-4);
      expect(relativeDifference(dwT.dataSync() as Float32Array, reference.dw)).toBeLessThanOrEqual(1e-4);
      tf.dispose([x, w, dy, yT, dwT]);
    });

    it(`${label}: forward, input and filter gradients through tfjs match the cpu backend`, async () => {
      const reference = await onBackend('cpu', () => throughEngine(c));
      const ours = await onBackend('wasm', () => throughEngine(c));
      expect(relativeDifference(ours.y, reference.y)).toBeLessThanOrEqual(1e-4);
      expect(relativeDifference(ours.dx, reference.dx)).toBeLessThanOrEqual(1e-4);
      expect(relativeDifference(ours.dw, reference.dw)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('convolutions Winograd does not serve fall back to the direct route', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as BackendWasm;
    const info = (x: [number, number, number, number], f: [number, number, number, number], stride: number) =>
      tf.backend_util.computeConv2DInfo(x, f, stride, 1, 'same', undefined, false, 'channelsLast');
    expect(winogradKernelsFor(info([2, 3, 3, 8], [3, 3, 8, 8], 1), backend)).toBeNull(); // 3×3 map: too small
    expect(winogradKernelsFor(info([2, 14, 14, 8], [3, 3, 8, 8], 2), backend)).toBeNull(); // stride 2
    expect(winogradKernelsFor(info([2, 14, 14, 12], [3, 3, 12, 8], 1), backend)).toBeNull(); // Ci not a multiple of 8
    expect(winogradKernelsFor(info([2, 14, 14, 8], [3, 3, 8, 4], 1), backend)).toBeNull(); // Co not a multiple of 8
    expect(winogradKernelsFor(info([2, 14, 14, 8], [5, 5, 8, 8], 1), backend)).toBeNull(); // 5×5 filter
    expect(filterGradRoute(info([2, 3, 3, 8], [3, 3, 8, 8], 1), backend)).toBe('gemm');
  });

  it("kernel set 'ours-direct' leaves 3×3 convolutions to XNNPACK's direct route, with the same gradients", async () => {
    const c = cases[0];
    const reference = await onBackend('cpu', () => throughEngine(c));
    try {
      await initBackend({ backend: 'wasm', kernels: 'ours-direct' });
      expect(installedWasmKernels()).toBe('ours-direct');
      const direct = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
      const backend = tf.backend() as unknown as BackendWasm;
      const { x, w, info } = inputs(c);
      expect(filterGradRoute(info, backend, false)).toBe('gemm');
      tf.dispose([x, w]);
      const ours = throughEngine(c);
      expect(relativeDifference(ours.y, reference.y)).toBeLessThanOrEqual(1e-4);
      expect(relativeDifference(ours.dx, reference.dx)).toBeLessThanOrEqual(1e-4);
      expect(relativeDifference(ours.dw, reference.dw)).toBeLessThanOrEqual(1e-4);
      await initBackend({ backend: 'wasm', kernels: 'ours' });
      expect(tf.getKernel('Conv2D', 'wasm')!.kernelFunc).not.toBe(direct);
    } finally {
      await initBackend({ backend: 'wasm', kernels: 'ours' });
    }
  });

  it('a failing call frees its output and workspace (no tensor left behind)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as BackendWasm;
    const { x, w, info } = inputs(cases[0]);
    const simd = winogradKernelsFor(info, backend)!;
    const before = backend.numDataIds();
    const missing = { dataId: {}, shape: w.shape, dtype: 'float32' as const }; // a filter the backend does not hold
    expect(() => winogradConv2d(backend, simd, asInfo(x), missing, info)).toThrow();
    expect(() => winogradFilterGrad(backend, simd, asInfo(x), missing, info)).toThrow();
    expect(backend.numDataIds()).toBe(before);
    tf.dispose([x, w]);
  });
});
