import { describe, expect, it } from 'vitest';
import { ApproximateIndex, SiameseError, SupportSet, scoreRows, TopK } from '../src/index.js';
import { makeModel } from './helpers.js';

/** A seeded gallery shaped like real embeddings: `rows` unit vectors around rows/20 class centres. */
function clusteredGallery(rows: number, dim: number, seed: number): { matrix: Float32Array; queries: Float32Array } {
  let s = seed;
  const uniform = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const gauss = () => uniform() + uniform() + uniform() + uniform() + uniform() + uniform();
  const centres = rows / 20;
  const unit = (v: Float32Array, o: number) => {
    let n = 0;
    for (let i = 0; i < dim; i++) n += v[o + i] ** 2;
    for (let i = 0; i < dim; i++) v[o + i] /= Math.sqrt(n);
  };
  const c = Float32Array.from({ length: centres * dim }, gauss);
  for (let i = 0; i < centres; i++) unit(c, i * dim);
  const around = (out: Float32Array, o: number, centre: number) => {
    for (let i = 0; i < dim; i++) out[o + i] = c[centre * dim + i] + (0.86 / Math.sqrt(dim)) * gauss();
    unit(out, o);
  };
  const matrix = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) around(matrix, r * dim, r % centres);
  const queries = new Float32Array(100 * dim);
  for (let q = 0; q < 100; q++) around(queries, q * dim, (q * 7919) % centres);
  return { matrix, queries };
}

function exactTop(matrix: Float32Array, dim: number, query: Float32Array, k: number): number[] {
  const rows = matrix.length / dim;
  const scores = scoreRows(matrix, dim, query, new Float32Array(rows));
  const top = new TopK(k);
  for (let r = 0; r < rows; r++) top.push(r, scores[r]);
  return top.sorted().map((t) => t.id);
}

describe('approximate index (IVF)', () => {
  const dim = 64;
  const { matrix, queries } = clusteredGallery(20_000, dim, 12345);

  it('finds ≥ 95% of the exact top 10 on a seeded 20,000-vector gallery, scanning a fraction of it', () => {
    const index = ApproximateIndex.build(matrix, dim, { seed: 3 });
    expect(index.rows).toBe(20_000);
    expect(index.probes).toBeLessThanOrEqual(Math.ceil(index.lists / 5));
    let hits = 0;
    for (let q = 0; q < 100; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const exact = new Set(exactTop(matrix, dim, query, 10));
      const found = index.search(query, 10);
      expect(found).toHaveLength(10);
      // Scores are exact dot products of the returned rows, best first.
      for (let i = 1; i < found.length; i++) expect(found[i].score).toBeLessThanOrEqual(found[i - 1].score);
      const r = found[0].id;
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += matrix[r * dim + i] * query[i];
      expect(found[0].score).toBeCloseTo(dot, 5);
      for (const { id } of found) if (exact.has(id)) hits++;
    }
    expect(hits / 1000).toBeGreaterThanOrEqual(0.95);
  }, 60_000);

  it('with every cell probed it is exact', () => {
    const index = ApproximateIndex.build(matrix.subarray(0, 2000 * dim), dim, { lists: 10 });
    const query = queries.subarray(0, dim);
    expect(index.search(query, 10, 10).map((t) => t.id)).toEqual(exactTop(matrix.subarray(0, 2000 * dim), dim, query, 10));
  });

  it('is used behind SupportSet.rankEmbedding when asked for, and agrees with exact search at the top', async () => {
    const model = makeModel();
    const d = model.metadata.output.size;
    const small = clusteredGallery(2000, d, 99);
    const exact = SupportSet.empty(model);
    const approx = SupportSet.empty(model, { index: 'approximate', approximate: { lists: 20, probes: 5 } });
    for (let r = 0; r < 2000; r++) {
      const e = small.matrix.slice(r * d, (r + 1) * d);
      exact.addEmbeddings(`g${r}`, [e]);
      approx.addEmbeddings(`g${r}`, [e]);
    }
    expect(exact.searchKind).toBe('exact');
    expect(exact.approximateIndex()).toBeUndefined();
    expect(approx.searchKind).toBe('approximate');
    let agree = 0;
    for (let q = 0; q < 50; q++) {
      const query = small.queries.slice(q * d, (q + 1) * d);
      const a = approx.rankEmbedding(query, { k: 5 });
      const e = exact.rankEmbedding(query, { k: 5 });
      expect(a).toHaveLength(5);
      if (a[0].label === e[0].label) {
        agree++;
        expect(a[0].score).toBeCloseTo(e[0].score, 6);
        expect(a[0].probability).toBeCloseTo(e[0].probability, 6);
      }
    }
    expect(agree).toBeGreaterThanOrEqual(48);
    // A change invalidates the index; 'auto' stays exact for small sets; bad options are typed errors.
    const built = approx.approximateIndex();
    approx.remove('g0');
    expect(approx.approximateIndex()).not.toBe(built);
    expect(approx.approximateIndex()?.rows).toBe(1999);
    expect(approx.setSearch({ index: 'auto' }).searchKind).toBe('exact');
    expect(() => approx.setSearch({ index: 'fast' as 'exact' })).toThrow(SiameseError);
  });

  it('refuses a matrix that is not whole rows and a query of the wrong size', () => {
    expect(() => ApproximateIndex.build(new Float32Array(10), 3)).toThrow(SiameseError);
    const index = ApproximateIndex.build(matrix.subarray(0, 100 * dim), dim);
    expect(() => index.search(new Float32Array(3), 1)).toThrow(/expected 64/);
  });
});
