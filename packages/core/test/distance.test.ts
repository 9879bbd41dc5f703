import { describe, expect, it } from 'vitest';
import { distanceFromSimilarity, dot, embeddingDistance, l2Normalize, l2NormalizeInPlace, similarityFromDistance } from '../src/index.js';

describe('distance', () => {
  it('dot matches a direct sum for odd lengths and offsets', () => {
    const a = Float32Array.from({ length: 13 }, (_, i) => i - 6);
    const b = Float32Array.from({ length: 13 }, (_, i) => (i % 3) + 0.5);
    let direct = 0;
    for (let i = 0; i < 13; i++) direct += a[i] * b[i];
    expect(dot(a, b)).toBeCloseTo(direct, 5);
    expect(dot(a, b, 2, 3, 7)).toBeCloseTo([...Array(7).keys()].reduce((s, i) => s + a[2 + i] * b[3 + i], 0), 5);
  });

  it('normalises to unit length, leaves zero vectors at zero and the input untouched', () => {
    const v = Float32Array.from([3, 4]);
    expect(Array.from(l2Normalize(v))).toEqual([0.6000000238418579, 0.800000011920929]);
    expect(Array.from(v)).toEqual([3, 4]);
    const z = new Float32Array(3);
    expect(l2NormalizeInPlace(z)).toBe(0);
    expect(Array.from(z)).toEqual([0, 0, 0]);
  });

  it('derives euclidean and cosine distances of unit vectors exactly', () => {
    const a = l2Normalize(Float32Array.from([1, 2, 3]));
    const b = l2Normalize(Float32Array.from([-2, 0.5, 1]));
    const euclid = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    expect(embeddingDistance(a, b, 'euclidean')).toBeCloseTo(euclid, 6);
    expect(embeddingDistance(a, b, 'cosine')).toBeCloseTo(1 - dot(a, b), 6);
    expect(similarityFromDistance(distanceFromSimilarity(0.3, 'euclidean'), 'euclidean')).toBeCloseTo(0.3, 10);
    expect(distanceFromSimilarity(1.0000001, 'euclidean')).toBe(0); // rounding above 1 never gives NaN
  });
});
