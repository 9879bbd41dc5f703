/**
 * Our wasm convolution-gradient kernels against the cpu backend's (tfjs' reference implementation):
 * relative difference ≤ 1e-4 over several shapes, strides and paddings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, installedWasmKernels } from '../../src/backend/index.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { filterGradGemm, filterGradRoute, filterGradTransposedConv } from '../../src/backend/kernels/conv2d-backprop-filter.js';
import { onBackend, relativeDifference, seededValues } from './parity.js';

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid';
}

const cases: ConvCase[] = [
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
  { x: [3, 14, 14, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same' },
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'valid' },
  { x: [2, 11, 11, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { x: [2, 10, 12, 2], filter: [5, 3, 2, 4], strides: 2, pad: 'valid' },
  { x: [3, 8, 8, 5], filter: [1, 1, 5, 7], strides: 1, pad: 'same' },
  { x: [2, 13, 13, 3], filter: [4, 4, 3, 2], strides: 3, pad: 'same' },
  // N and Ci multiples of 4: the NHWC → CHWN transpose runs as SIMD 4×4 blocks.
  { x: [4, 12, 12, 8], filter: [3, 3, 8, 12], strides: 1, pad: 'same' },
  { x: [8, 7, 7, 4], filter: [3, 3, 4, 4], strides: 2, pad: 'valid' },
  // One input channel with Co a multiple of 4 takes the im2col + SIMD path; Co = 6 the transposed convolution.
  { x: [3, 11, 9, 1], filter: [5, 3, 1, 12], strides: 2, pad: 'valid' },
  { x: [2, 13, 10, 1], filter: [4, 4, 1, 8], strides: 3, pad: 'same' },
  { x: [2, 9, 9, 1], filter: [3, 3, 1, 6], strides: 1, pad: 'same' },
];

/** Gradients of Σ conv(x, W) ⊙ R (R a fixed random tensor) w.r.t. x and W. */
function convGradients(c: ConvCase): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(seededValues(c.x.reduce((a, b) => a * b), 1), c.x);
    const w = tf.tensor4d(seededValues(c.filter.reduce((a, b) => a * b), 2), c.filter);
    const outShape = tf.conv2d(x, w, c.strides, c.pad).shape;
    const r = tf.tensor(seededValues(outShape.reduce((a, b) => a * b), 3), outShape);
    const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.strides, c.pad), r)),
    )([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

describe('wasm convolution gradient kernels', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'wasm', kernels: 'ours' })).toBe('wasm');
    expect(installedWasmKernels()).toBe('ours');
  });

  for (const c of cases) {
    it(`x ${c.x.join('×')}, filter ${c.filter.join('×')}, stride ${c.strides}, ${c.pad}`, async () => {
      const reference = await onBackend('cpu', () => convGradients(c));
      const ours = await onBackend('wasm', () => convGradients(c));
      const filterError = relativeDifference(ours.dw, reference.dw);
      const inputError = relativeDifference(ours.dx, reference.dx);
      expect(filterError).toBeLessThanOrEqual(1e-4);
      expect(inputError).toBeLessThanOrEqual(1e-4);
    });
  }

  // The kernel picks one formulation per shape; both general ones must agree with the reference on every case.
  for (const c of cases.filter((k) => k.x[3] > 1)) {
    it(`filter-gradient routes (GEMM and transposed convolution) agree: x ${c.x.join('×')}, filter ${c.filter.join('×')}`, async () => {
      const reference = await onBackend('cpu', () => convGradients(c));
      await tf.setBackend('wasm');
      const backend = tf.backend() as unknown as BackendWasm;
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, false, 'channelsLast');
      expect(filterGradRoute(info, backend, false)).toBe('gemm'); // Winograd aside (winograd-conv.test.ts)
      const x = tf.tensor4d(seededValues(c.x.reduce((a, b) => a * b), 1), c.x);
      const dy = tf.tensor(seededValues(info.outShape.reduce((a, b) => a * b), 3), info.outShape);
      const asInfo = (t: tf.Tensor) => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
      for (const route of [filterGradGemm, filterGradTransposedConv]) {
        const out = route(backend, asInfo(x), asInfo(dy), info);
        const dw = tf.engine().makeTensorFromDataId(out.dataId, out.shape, 'float32');
        expect(dw.shape).toEqual(c.filter);
        expect(relativeDifference(dw.dataSync() as Float32Array, reference.dw), route.name).toBeLessThanOrEqual(1e-4);
        dw.dispose();
      }
      tf.dispose([x, dy]);
    });
  }
});

