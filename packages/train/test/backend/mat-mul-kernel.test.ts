/**
 * Our wasm BatchMatMul for transposed operands (transpose, then wasm's plain product) against the cpu backend:
 * every transpose combination, batched and broadcast shapes, and the gradient of a pairwise-distance matrix — the
 * product a·bᵀ every loss computes, whose backward pass is two more transposed products.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import { initBackend, registerWasmKernels } from '../../src/backend/index.js';
import { pairwiseSquaredDistances } from '../../src/losses/index.js';
import { onBackend, relativeDifference, seededValues } from './parity.js';

const cases: Array<{ a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }> = [];
for (const transposeA of [false, true]) {
  for (const transposeB of [false, true]) {
    // m = 5, k = 7, n = 3; the stored shapes follow the transposes.
    cases.push({ a: transposeA ? [7, 5] : [5, 7], b: transposeB ? [3, 7] : [7, 3], transposeA, transposeB });
    cases.push({ a: transposeA ? [2, 7, 5] : [2, 5, 7], b: transposeB ? [2, 3, 7] : [2, 7, 3], transposeA, transposeB });
    cases.push({ a: transposeA ? [1, 7, 5] : [1, 5, 7], b: transposeB ? [4, 3, 7] : [4, 7, 3], transposeA, transposeB });
  }
}

function product(c: (typeof cases)[number]): { values: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const a = tf.tensor(seededValues(c.a.reduce((x, y) => x * y), 3), c.a);
    const b = tf.tensor(seededValues(c.b.reduce((x, y) => x * y), 4), c.b);
    const y = tf.matMul(a, b, c.transposeA, c.transposeB);
    return { values: y.dataSync() as Float32Array, shape: y.shape };
  });
}

describe('wasm BatchMatMul with transposed operands', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'wasm', kernels: 'ours' })).toBe('wasm');
  });

  for (const c of cases) {
    it(`[${c.a}]${c.transposeA ? 'ᵀ' : ''} · [${c.b}]${c.transposeB ? 'ᵀ' : ''}`, async () => {
      const reference = await onBackend('cpu', () => product(c));
      const ours = await onBackend('wasm', () => product(c));
      expect(ours.shape).toEqual(reference.shape);
      expect(relativeDifference(ours.values, reference.values)).toBeLessThanOrEqual(1e-5);
    });
  }

  it('the gradient of a pairwise-distance matrix equals the cpu backend’s, and no tensor leaks', async () => {
    const gradient = (): Float32Array =>
      tf.tidy(() => {
        const e = tf.tensor2d(seededValues(48 * 16, 9), [48, 16]);
        const weights = tf.tensor2d(seededValues(48 * 48, 10), [48, 48]);
        const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(pairwiseSquaredDistances(x as tf.Tensor2D), weights)))(e);
        return g.dataSync() as Float32Array;
      });
    const reference = await onBackend('cpu', gradient);
    await onBackend('wasm', () => undefined);
    const before = tf.memory().numTensors;
    const ours = gradient();
    expect(tf.memory().numTensors).toBe(before);
    expect(relativeDifference(ours, reference)).toBeLessThanOrEqual(1e-4);
  });

  it('is removed with the rest of our kernels: wasm’s own transposed product gives the same numbers', async () => {
    const c = cases.find((x) => x.transposeA && x.transposeB && x.a.length === 3)!;
    const ours = await onBackend('wasm', () => product(c));
    const ourKernel = getKernel('BatchMatMul', 'wasm')?.kernelFunc;
    registerWasmKernels('none');
    try {
      expect(getKernel('BatchMatMul', 'wasm')?.kernelFunc).not.toBe(ourKernel);
      const theirs = product(c);
      expect(relativeDifference(ours.values, theirs.values)).toBeLessThanOrEqual(1e-5);
    } finally {
      registerWasmKernels('ours');
    }
  });
});
