import { describe, expect, it } from 'vitest';
import { TopK, scoreQueries, scoreRows } from '../src/index.js';

function rng(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

describe('TopK', () => {
  it('keeps exactly the k best of a random stream, best first', () => {
    const r = rng(1);
    for (const k of [1, 3, 10, 100]) {
      const top = new TopK(k);
      const scores = Array.from({ length: 500 }, () => r());
      scores.forEach((s, i) => top.push(i, s));
      const expected = scores.map((score, id) => ({ id, score })).sort((a, b) => b.score - a.score).slice(0, k);
      expect(top.sorted()).toEqual(expected);
    }
  });

  it('handles k larger than the stream and ties (earlier id first)', () => {
    const top = new TopK(5);
    [0.5, 0.5, 0.9].forEach((s, i) => top.push(i, s));
    expect(top.sorted().map((x) => x.id)).toEqual([2, 0, 1]);
    expect(new TopK(0).sorted()).toEqual([]);
  });

  it('ties keep the lower id whatever k is and whatever order items come in', () => {
    // Scores with many ties; the expected k best are the first k of (score desc, id asc).
    const r = rng(3);
    const scores = Array.from({ length: 200 }, () => Math.floor(r() * 6) / 6);
    const all = scores.map((score, id) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
    const orders = [scores.map((_, i) => i), scores.map((_, i) => scores.length - 1 - i), scores.map((_, i) => (i * 37) % scores.length)];
    for (const k of [1, 2, 3, 7, 40, 199]) {
      for (const order of orders) {
        const top = new TopK(k);
        for (const id of order) top.push(id, scores[id]);
        expect(top.sorted(), `k=${k}`).toEqual(all.slice(0, k));
      }
    }
    // The review's case: scores (self 1, first 0.5, second 0.5) — k = 2 must keep "first", as k = 3 ranks it.
    const tie = new TopK(2);
    [0.5, 0.5, 1].forEach((s, i) => tie.push(i, s));
    expect(tie.sorted().map((x) => x.id)).toEqual([2, 0]);
  });
});

describe('blocked scoring', () => {
  it('scoreRows and scoreQueries equal naive dot products', () => {
    const r = rng(7);
    const dim = 13, rows = 601, nq = 3;
    const m = Float32Array.from({ length: rows * dim }, () => r() - 0.5);
    const q = Float32Array.from({ length: nq * dim }, () => r() - 0.5);
    const naive = (qi: number, row: number) => {
      let s = 0;
      for (let d = 0; d < dim; d++) s += m[row * dim + d] * q[qi * dim + d];
      return s;
    };
    const one = scoreRows(m, dim, q, new Float32Array(rows));
    const many = scoreQueries(m, dim, q, nq);
    for (let row = 0; row < rows; row++) {
      expect(one[row]).toBeCloseTo(naive(0, row), 5);
      for (let qi = 0; qi < nq; qi++) expect(many[qi * rows + row]).toBeCloseTo(naive(qi, row), 5);
    }
  });
});
