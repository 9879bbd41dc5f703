/** The flat Adam: its first step against the formula, and per-parameter learning-rate multipliers. */
import { describe, expect, it } from 'vitest';
import { Adam } from '../../src/train/adam.js';

describe('Adam', () => {
  it('first step moves each weight by lr·g/(|g| + ε); a multiplier k moves its weights k times as far', () => {
    const gradients = Float32Array.from([0.5, -2, 0.25, 4]);
    const plain = new Float32Array(4);
    new Adam(4).apply(plain, gradients, 0.01);
    // Bias-corrected m = g and v = g² after one step: the update is lr·g/(|g| + ε) ≈ ±lr.
    expect(Array.from(plain).map((w) => +w.toFixed(6))).toEqual([-0.01, 0.01, -0.01, -0.01]);
    const scaled = new Float32Array(4);
    new Adam(4, { rateScale: Float32Array.from([1, 1, 10, 10]) }).apply(scaled, gradients, 0.01);
    expect(Array.from(scaled).map((w) => +w.toFixed(6))).toEqual([-0.01, 0.01, -0.1, -0.1]);
  });

  it('refuses multipliers that do not match the parameter count', () => {
    expect(() => new Adam(4, { rateScale: new Float32Array(3) })).toThrow(/3 learning-rate multipliers for 4 parameters/);
  });
});
