/**
 * Our JavaScript MaxPoolGrad for wasm against the cpu backend, including windows full of equal values (as after
 * ReLU), where the gradient must go to the first maximum only, and overlapping and padded windows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { onBackend, relativeDifference, seededValues } from './parity.js';

const cases: Array<{ x: [number, number, number, number]; pool: number; strides: number; pad: 'same' | 'valid' }> = [
  { x: [4, 28, 28, 8], pool: 2, strides: 2, pad: 'valid' },
  { x: [2, 7, 7, 5], pool: 2, strides: 2, pad: 'valid' },
  { x: [2, 7, 9, 3], pool: 2, strides: 2, pad: 'same' },
  { x: [2, 8, 8, 4], pool: 3, strides: 1, pad: 'same' },
  { x: [3, 10, 10, 2], pool: 3, strides: 2, pad: 'valid' },
];

function poolGradient(c: (typeof cases)[number]): Float32Array {
  return tf.tidy(() => {
    // ReLU of random values: about half the inputs are exactly 0, so many windows tie.
    const x = tf.relu(tf.tensor4d(seededValues(c.x.reduce((a, b) => a * b), 11), c.x));
    const outShape = tf.maxPool(x, c.pool, c.strides, c.pad).shape;
    const r = tf.tensor(seededValues(outShape.reduce((a, b) => a * b), 12), outShape);
    const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xi as tf.Tensor4D, c.pool, c.strides, c.pad), r)))(x);
    return g.dataSync() as Float32Array;
  });
}

describe('wasm MaxPoolGrad', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'wasm', kernels: 'ours' })).toBe('wasm');
  });

  for (const c of cases) {
    it(`x ${c.x.join('×')}, pool ${c.pool}, stride ${c.strides}, ${c.pad}`, async () => {
      const reference = await onBackend('cpu', () => poolGradient(c));
      const ours = await onBackend('wasm', () => poolGradient(c));
      expect(relativeDifference(ours, reference)).toBeLessThanOrEqual(1e-4);
    });
  }
});
