/** Our leading-axis Sum/Mean wasm kernels against the cpu backend, and their fall-back for other reductions. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { onBackend, relativeDifference, seededValues } from './parity.js';

const cases: Array<{ shape: number[]; axis: number[]; keepDims: boolean }> = [
  { shape: [8, 14, 14, 16], axis: [0, 1, 2], keepDims: false },
  { shape: [8, 14, 14, 16], axis: [0, 1, 2], keepDims: true },
  { shape: [5, 7], axis: [0], keepDims: false },
  { shape: [3, 4, 5], axis: [1, 0], keepDims: false },
  { shape: [6, 5, 4], axis: [2], keepDims: false },
  { shape: [6, 5, 4], axis: [0, 2], keepDims: true },
  { shape: [6, 5], axis: [0, 1], keepDims: false },
];

function reductions(c: (typeof cases)[number]): { sum: Float32Array; mean: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor(seededValues(c.shape.reduce((a, b) => a * b), 7), c.shape);
    const sum = tf.sum(x, c.axis, c.keepDims);
    const mean = tf.mean(x, c.axis, c.keepDims);
    return { sum: sum.dataSync() as Float32Array, mean: mean.dataSync() as Float32Array, shape: sum.shape };
  });
}

describe('wasm leading-axis Sum and Mean', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'wasm', kernels: 'ours' })).toBe('wasm');
  });

  for (const c of cases) {
    it(`shape ${c.shape.join('×')}, axes [${c.axis.join(',')}], keepDims ${c.keepDims}`, async () => {
      const reference = await onBackend('cpu', () => reductions(c));
      const ours = await onBackend('wasm', () => reductions(c));
      expect(ours.shape).toEqual(reference.shape);
      expect(relativeDifference(ours.sum, reference.sum)).toBeLessThanOrEqual(1e-5);
      expect(relativeDifference(ours.mean, reference.mean)).toBeLessThanOrEqual(1e-5);
    });
  }
});
