/**
 * Our Conv2DBackpropFilter for the cpu fallback backend against tfjs' own cpu kernel (small shapes: the stock
 * kernel is very slow), over strides and paddings. Relative difference ≤ 1e-4.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, installedCpuKernels, registerCpuKernels } from '../../src/backend/index.js';
import { relativeDifference, seededValues } from './parity.js';

const cases: Array<{ x: [number, number, number, number]; filter: [number, number, number, number]; strides: number; pad: 'same' | 'valid' }> = [
  { x: [3, 10, 10, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
  { x: [2, 9, 7, 4], filter: [3, 3, 4, 6], strides: 1, pad: 'valid' },
  { x: [2, 11, 11, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'same' },
  { x: [2, 10, 12, 2], filter: [5, 3, 2, 4], strides: 2, pad: 'valid' },
];

function filterGradient(c: (typeof cases)[number]): Float32Array {
  return tf.tidy(() => {
    const x = tf.relu(tf.tensor4d(seededValues(c.x.reduce((a, b) => a * b), 21), c.x)); // with exact zeros
    const w = tf.tensor4d(seededValues(c.filter.reduce((a, b) => a * b), 22), c.filter);
    const outShape = tf.conv2d(x, w, c.strides, c.pad).shape;
    const r = tf.tensor(seededValues(outShape.reduce((a, b) => a * b), 23), outShape);
    return tf.grad((wi: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, wi as tf.Tensor4D, c.strides, c.pad), r)))(w).dataSync() as Float32Array;
  });
}

describe('cpu Conv2DBackpropFilter', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'cpu', kernels: 'missing-only' })).toBe('cpu');
    expect(installedCpuKernels()).toBe(false);
  });

  for (const c of cases) {
    it(`x ${c.x.join('×')}, filter ${c.filter.join('×')}, stride ${c.strides}, ${c.pad}`, () => {
      registerCpuKernels(false);
      const reference = filterGradient(c);
      registerCpuKernels(true);
      const ours = filterGradient(c);
      registerCpuKernels(false);
      expect(relativeDifference(ours, reference)).toBeLessThanOrEqual(1e-4);
    });
  }
});
