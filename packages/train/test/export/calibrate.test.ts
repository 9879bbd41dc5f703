import { describe, expect, it } from 'vitest';
import { distanceToProbability, isSiameseError } from '@siamese-sdk/core';
import { calibrateDistances, fitPlatt, splitPairDistances } from '../../src/export/calibrate.js';
import { rng } from './helpers.js';

/** Box–Muller normal samples from a seeded uniform source. */
function normal(n: number, mean: number, sd: number, random: () => number): number[] {
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

describe('splitPairDistances', () => {
  it('sorts pair distances into same-class and different-class ones, in order', () => {
    expect(splitPairDistances([0.1, 0.9, 0.2, 1.1], [true, false, true, false])).toEqual({ positives: [0.1, 0.2], negatives: [0.9, 1.1] });
  });
});

describe('calibrateDistances', () => {
  it('puts the threshold in the middle of the gap of separable pairs, with perfect accuracy and zero EER', () => {
    const c = calibrateDistances({ positives: [0.1, 0.2, 0.3, 0.35], negatives: [0.9, 1.0, 1.2, 0.75] });
    expect(c.threshold).toBeCloseTo((0.35 + 0.75) / 2, 12);
    expect(c.accuracy).toBe(1);
    expect(c.eer).toBe(0);
    expect(c.pairs).toBe(8);
    // Platt's smoothed targets keep the fit finite; probabilities fall with distance and straddle 0.5 in the gap.
    expect(Number.isFinite(c.plattA) && c.plattA > 0).toBe(true);
    const p = (d: number): number => distanceToProbability(d, c);
    expect(p(0.2)).toBeGreaterThan(0.8);
    expect(p(1.0)).toBeLessThan(0.2);
    expect(p(0.35)).toBeGreaterThan(p(0.75));
  });

  it('finds the Bayes threshold and the EER of overlapping Gaussians', () => {
    const random = rng(5);
    // Same: N(0.6, 0.1); different: N(1.0, 0.1) → optimal cut 0.8, EER = Φ(−2) ≈ 0.0228.
    const c = calibrateDistances({ positives: normal(20000, 0.6, 0.1, random), negatives: normal(20000, 1.0, 0.1, random) });
    expect(Math.abs(c.threshold - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(c.eerThreshold - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(c.eer - 0.0228)).toBeLessThan(0.004);
    expect(Math.abs(c.accuracy - (1 - 0.0228))).toBeLessThan(0.004);
    // Equal variances and priors: the true posterior is logistic with a = (μ1−μ0)/σ² = 40, b = −a·0.8 = −32. Only the
    // ~5% of pairs in the overlap inform the slope (standard error ≈ 3), so a gets a loose bound and the 50% point a
    // tight one.
    expect(Math.abs(c.plattA - 40) / 40).toBeLessThan(0.15);
    expect(Math.abs(-c.plattB / c.plattA - 0.8)).toBeLessThan(0.01);
  });

  it('handles ties: equal distances always get the same decision', () => {
    const c = calibrateDistances({ positives: [0.5, 0.5, 0.5], negatives: [0.5, 0.9] });
    // Cutting inside the 0.5 block is impossible; best is accepting all 0.5s (TPR 1, TNR 0.5).
    expect(c.threshold).toBeCloseTo(0.7, 12);
    expect(c.accuracy).toBeCloseTo(0.75, 12);
  });

  it('refuses empty or non-finite input with INVALID_ARGUMENT', () => {
    for (const bad of [
      { positives: [], negatives: [1] },
      { positives: [1], negatives: [] },
      { positives: [0.1, Number.NaN], negatives: [1] },
      { positives: [0.1], negatives: [Number.POSITIVE_INFINITY] },
    ]) {
      let error: unknown;
      try {
        calibrateDistances(bad);
      } catch (e) {
        error = e;
      }
      expect(isSiameseError(error, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('fitPlatt', () => {
  it('recovers the parameters that generated logistic labels', () => {
    const random = rng(11);
    const d: number[] = [];
    const same: boolean[] = [];
    for (let i = 0; i < 30000; i++) {
      const x = 2 * random();
      d.push(x);
      same.push(random() < 1 / (1 + Math.exp(6 * x - 6)));
    }
    const { a, b } = fitPlatt(d, same);
    expect(Math.abs(a - 6)).toBeLessThan(0.3);
    expect(Math.abs(b + 6)).toBeLessThan(0.3);
  });
});
