import { describe, expect, it } from 'vitest';
import { ApproximateIndex, SiameseError, SupportSet, provideApproximateIndex, scoreRows, TopK, rerankDepth } from '../src/index.js';
import { makeModel } from './helpers.js';

// As the Node SDK does at import: core itself never loads the index (approximate-index-provider.test.ts covers that).
provideApproximateIndex({ build: ApproximateIndex.build });

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

function exactTop(matrix: Float32Array, dim: number, query: Float32Array, k: number): { id: number; score: number }[] {
  const rows = matrix.length / dim;
  const scores = scoreRows(matrix, dim, query, new Float32Array(rows));
  const top = new TopK(k);
  for (let r = 0; r < rows; r++) top.push(r, scores[r]);
  return top.sorted();
}

/** Share of the exact top 10 found, over the first `n` queries. */
function recallAt10(index: ApproximateIndex, matrix: Float32Array, queries: Float32Array, dim: number, n = 100): number {
  let hits = 0;
  for (let q = 0; q < n; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    const exact = new Set(exactTop(matrix, dim, query, 10).map((t) => t.id));
    for (const { id } of index.search(query, 10)) if (exact.has(id)) hits++;
  }
  return hits / (n * 10);
}

describe('approximate index (IVF, int8 scan, exact re-rank)', () => {
  const dim = 64;
  const { matrix, queries } = clusteredGallery(20_000, dim, 12345);
  const index = ApproximateIndex.build(matrix, dim, { seed: 3 });

  it('finds ≥ 95% of the exact top 10 on a seeded 20,000-vector gallery, scanning a small share of it', () => {
    expect(index.rows).toBe(20_000);
    expect(index.lists).toBeGreaterThan(250); // ~rows / 64 cells
    expect(index.simd).toBe(true); // Node 20 has WebAssembly SIMD: the assembled kernels are in use
    let scanned = 0;
    for (let q = 0; q < 100; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const exact = exactTop(matrix, dim, query, 10);
      const found = index.search(query, 10);
      scanned += index.lastScannedRows;
      expect(found).toHaveLength(10);
      for (let i = 1; i < found.length; i++) expect(found[i].score).toBeLessThanOrEqual(found[i - 1].score);
      // Scores are the exact path's scores for the same rows (re-ranked in float64, rounded to float32).
      const exactScore = new Map(exact.map((t) => [t.id, t.score]));
      for (const { id, score } of found) if (exactScore.has(id)) expect(score).toBeCloseTo(exactScore.get(id)!, 6);
    }
    expect(recallAt10(index, matrix, queries, dim)).toBeGreaterThanOrEqual(0.95);
    // The default scan share (4%) is at least 2,048 rows: here ~10% of the gallery, far from all of it.
    expect(scanned / 100).toBeGreaterThanOrEqual(2048);
    expect(scanned / 100).toBeLessThan(0.15 * 20_000);
  });

  it('scans more for a larger share or more probes, and is exact when it scans everything', () => {
    const query = queries.subarray(0, dim);
    index.search(query, 10, { scanShare: 0.2 });
    const wide = index.lastScannedRows;
    expect(wide).toBeGreaterThanOrEqual(4000);
    index.search(query, 10, { probes: 3 });
    expect(index.lastScannedRows).toBeLessThan(wide);
    const all = index.search(query, 10, { scanShare: 1 });
    expect(index.lastScannedRows).toBe(20_000);
    expect(all.map((t) => t.id)).toEqual(exactTop(matrix, dim, query, 10).map((t) => t.id));
    expect(index.search(query, 10, { probes: index.lists }).map((t) => t.id)).toEqual(all.map((t) => t.id));
  });

  it('is deterministic for a seed, and the JavaScript kernels give the same answers as the SIMD ones', () => {
    const small = matrix.subarray(0, 4000 * dim);
    const a = ApproximateIndex.build(small, dim, { seed: 9, scanShare: 0.1 });
    const b = ApproximateIndex.build(small, dim, { seed: 9, scanShare: 0.1 });
    const js = ApproximateIndex.build(small, dim, { seed: 9, scanShare: 0.1, simd: false });
    expect(js.simd).toBe(false);
    for (let q = 0; q < 20; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const first = a.search(query, 10);
      expect(b.search(query, 10)).toEqual(first);
      // Row scores are int8 · int16 integers (exact in both kernels), so the cells and candidates agree.
      expect(js.search(query, 10)).toEqual(first);
    }
  });

  it('keeps its int32 sums exact for wide embeddings (1,024 dims, every value at the extreme)', () => {
    const wide = 1024;
    // More rows than the re-rank depth, so that the int32 scan alone decides which rows are candidates.
    const rows = new Float32Array(200 * wide);
    for (let r = 0; r < 200; r++) for (let d = 0; d < wide; d++) rows[r * wide + d] = (r % 2 ? -1 : 1) / Math.sqrt(wide);
    const query = rows.slice(0, wide);
    const found = ApproximateIndex.build(rows, wide, { lists: 2 }).search(query, 3, { scanShare: 1 });
    // Half the rows equal the query (score 1), half are its opposite (−1): an int32 overflow would scramble this.
    expect(found.map((t) => Math.round(t.score * 1e4) / 1e4)).toEqual([1, 1, 1]);
    expect(found.every((t) => t.id % 2 === 0)).toBe(true);
  });

  it('re-ranks enough candidates for k, returns at most the rows it has, and nothing for an empty matrix', () => {
    expect(rerankDepth(10)).toBeGreaterThanOrEqual(40);
    expect(rerankDepth(100)).toBe(400);
    const tiny = ApproximateIndex.build(matrix.subarray(0, 7 * dim), dim);
    expect(tiny.search(queries.subarray(0, dim), 10)).toHaveLength(7);
    const empty = ApproximateIndex.build(new Float32Array(0), dim);
    expect(empty.rows).toBe(0);
    expect(empty.search(queries.subarray(0, dim), 5)).toEqual([]);
  });

  it('is used behind SupportSet.rankEmbedding when asked for, and agrees with exact search at the top', async () => {
    const model = makeModel();
    const d = model.metadata.output.size;
    const small = clusteredGallery(2000, d, 99);
    const exact = SupportSet.empty(model);
    const approx = SupportSet.empty(model, { index: 'approximate', approximate: { lists: 20, probes: 5 } });
    expect(() => approx.rankEmbedding(small.queries.slice(0, d))).toThrow(expect.objectContaining({ code: 'SUPPORT_SET_EMPTY' }));
    for (let r = 0; r < 2000; r++) {
      const e = small.matrix.slice(r * d, (r + 1) * d);
      exact.addEmbeddings(`g${r}`, [e]);
      approx.addEmbeddings(`g${r}`, [e]);
    }
    expect(exact.searchKind).toBe('exact');
    expect(exact.approximateIndex()).toBeUndefined();
    expect(approx.searchKind).toBe('approximate');
    // A 4-d model: not a multiple of 8 dims, so the JavaScript kernels serve it.
    expect(approx.approximateIndex()?.simd).toBe(false);
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
    expect(() => approx.setSearch({ index: 'approximate', approximate: { lists: -1 } })).toThrow(/option lists must be a positive integer, got -1/);
    expect(approx.searchKind).toBe('exact'); // the refused setting left the previous one in place
  });

  it('refuses bad options, a matrix that is not whole rows and a query of the wrong size with typed errors', () => {
    const rows = matrix.subarray(0, 100 * dim);
    const bad: Record<string, unknown>[] = [
      { lists: 0 }, { lists: 2.5 }, { probes: -1 }, { scanShare: 0 }, { scanShare: 1.5 }, { scanShare: Number.NaN },
      { trainingSample: 0 }, { iterations: -1 }, { seed: 0.5 }, { simd: 'yes' },
    ];
    for (const options of bad) {
      const name = Object.keys(options)[0];
      let error: unknown;
      try {
        ApproximateIndex.build(rows, dim, options);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(SiameseError);
      expect((error as SiameseError).code).toBe('INVALID_ARGUMENT');
      expect((error as SiameseError).message).toContain(`option ${name} must be`);
    }
    expect(() => ApproximateIndex.build(new Float32Array(10), 3)).toThrow(SiameseError);
    const small = ApproximateIndex.build(rows, dim);
    expect(() => small.search(new Float32Array(3), 1)).toThrow(/expected 64/);
    expect(() => small.search(new Float32Array(dim).fill(Number.NaN), 1)).toThrow(/query value 0 is not a finite number/);
    expect(() => small.search(queries.subarray(0, dim), 1, { probes: 0 })).toThrow(/probes must be a positive integer/);
    expect(() => small.search(queries.subarray(0, dim), 1, { scanShare: -0.1 })).toThrow(/scanShare must be a number in \(0, 1\]/);
  });
});
