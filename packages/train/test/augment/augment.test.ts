import { describe, expect, it } from 'vitest';
import { augmentBatch, backgroundValues, KOCH_AFFINE, randomAffine, warpAffine, type Affine } from '../../src/augment/affine.js';
import { withQuarterTurnClasses } from '../../src/augment/rotations.js';
import { copyImage, poolFromSet, poolImages } from '../../src/data/class-pool.js';
import { Rng } from '../../src/sampling/rng.js';
import { numberedSet } from '../sampling/fake-set.js';

const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

describe('affine distortions', () => {
  it('the identity warp copies the image; a 1-px shift moves it and fills with the background', () => {
    const size = 5;
    const src = Float32Array.from({ length: 25 }, (_, i) => i);
    const out = new Float32Array(25);
    warpAffine(src, 0, out, 0, size, 1, IDENTITY, [-1]);
    expect(Array.from(out)).toEqual(Array.from(src));
    // Destination x reads source x - 1: shifted right by one, left column = fill.
    warpAffine(src, 0, out, 0, size, 1, [1, 0, -1, 0, 1, 0], [-1]);
    for (let y = 0; y < 5; y++) {
      expect(out[y * 5]).toBe(-1);
      for (let x = 1; x < 5; x++) expect(out[y * 5 + x]).toBe(src[y * 5 + x - 1]);
    }
  });

  it('samples bilinearly between pixels', () => {
    const src = Float32Array.from([0, 10, 20, 30]); // 2×2
    const out = new Float32Array(4);
    warpAffine(src, 0, out, 0, 2, 1, [1, 0, 0.5, 0, 1, 0], [0]);
    expect(out[0]).toBeCloseTo(5);
    expect(out[2]).toBeCloseTo(25);
  });

  it('draws Koch-range transforms: about half the components active, all within bounds', () => {
    const rng = new Rng(7);
    let identity = 0;
    for (let i = 0; i < 2000; i++) {
      const [a, b, , d, e] = randomAffine(rng, 28, KOCH_AFFINE);
      const det = a * e - b * d;
      // Inverse of scale 0.8–1.2 and shear ≤ 0.3: the determinant stays in a narrow band.
      expect(det).toBeGreaterThan(1 / (1.2 * 1.2 * 1.1));
      expect(det).toBeLessThan(1 / (0.8 * 0.8 * 0.9));
      if (a === 1 && b === 0 && d === 0 && e === 1) identity++;
    }
    // P(no rotation, shear or scale) = 1/8.
    expect(identity / 2000).toBeGreaterThan(0.09);
    expect(identity / 2000).toBeLessThan(0.16);
  });

  it('is seeded: same seed, same distorted batch; keeps values within the image range', () => {
    const base = Float32Array.from({ length: 4 * 28 * 28 }, (_, i) => ((i * 7919) % 13) / 12);
    const a = base.slice();
    const b = base.slice();
    augmentBatch(a, 4, 28, 1, new Rng(3), [0]);
    augmentBatch(b, 4, 28, 1, new Rng(3), [0]);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(base));
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
  });

  it('fills with the preprocessed paper colour', () => {
    expect(backgroundValues({ resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] }, 1)).toEqual([0]);
    expect(backgroundValues({ resize: 'area', background: [255, 255, 255], invert: false, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }, 3)).toEqual([1, 1, 1]);
  });
});

describe('quarter-turn classes', () => {
  it('quadruples the classes and rotates pixels exactly when copied', () => {
    const set = numberedSet([2, 2], undefined, 3);
    // Give image 0 distinct pixel values to see the rotation.
    set.pixels.set([1, 2, 3, 4, 5, 6, 7, 8, 9], 0);
    const pool = withQuarterTurnClasses(poolFromSet(set));
    expect(pool.classes.map((c) => c.name)).toEqual(['c0', 'c1', 'c0@rot90', 'c1@rot90', 'c0@rot180', 'c1@rot180', 'c0@rot270', 'c1@rot270']);
    const out = new Float32Array(9);
    copyImage(set, 0, 1, out, 0); // 90° counter-clockwise
    expect(Array.from(out)).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    copyImage(set, 0, 2, out, 0);
    expect(Array.from(out)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    copyImage(set, 0, 3, out, 0);
    expect(Array.from(out)).toEqual([7, 4, 1, 8, 5, 2, 9, 6, 3]);
    const all = poolImages(pool);
    expect(all.n).toBe(16);
    expect(Array.from(all.images.subarray(2 * 2 * 9, 2 * 2 * 9 + 9))).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
  });
});
