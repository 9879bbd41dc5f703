/**
 * Cell centroids for the approximate index, by two-level spherical k-means, and the assignment of rows to cells.
 *
 * Why two levels: a million-row gallery wants ~16,000 small cells (a query then scans a few hundred of them), and
 * flat k-means or flat assignment would cost rows × cells dot products — 10¹² multiply–adds, minutes on 2 cores.
 * Instead the training sample is first split into √cells coarse groups, each group gets cells in proportion to its
 * share of the sample and runs its own small k-means, and a row is assigned by scoring the coarse centroids, then
 * only the fine cells of its {@link ASSIGN_GROUPS} best groups (~400 products per row instead of 16,000). A row may
 * land in a cell that is not quite its nearest; queries score every fine centroid, so that costs little recall.
 */
import type { DotArena } from './simd-dot-kernel.js';

/** Coarse groups whose fine cells a row is compared with during assignment (2 measured as good as 3 here). */
export const ASSIGN_GROUPS = 2;
/** Sample points per coarse centroid used to train the coarse level (it only needs to split the space). */
const COARSE_SAMPLE_PER_GROUP = 64;

export interface TrainedCells {
  /** Coarse group count; group g owns fine cells [groupStart[g], groupStart[g + 1]). */
  groups: number;
  groupStart: Int32Array;
  /** Arena offset of the coarse centroids (groups × dim). */
  coarse: number;
  /** Arena offset of the fine centroids (cells × dim); `cells` ≤ the requested count (no cell without points). */
  fine: number;
  cells: number;
}

/** The float32 kernel with float (not byte) offsets, which is how this file addresses the arena. */
function dots(arena: DotArena, matrix: number, rows: number, dim: number, query: number, out: number): void {
  arena.dotsF32(4 * matrix, rows, dim, 4 * query, 4 * out);
}

/** Reserves `floats` values; returns the float offset of the first. */
export function allocFloats(arena: DotArena, floats: number): number {
  return arena.alloc(4 * floats) / 4;
}

/** Coarse groups for `lists` fine cells: √lists, so both levels of the assignment cost about the same. */
export function coarseGroups(lists: number): number {
  return Math.max(1, Math.min(lists, Math.round(Math.sqrt(lists))));
}

/**
 * Trains `lists` fine centroids on the `n` sample rows at arena float offset `sample` (reordered in place by group).
 * `scores` is an arena scratch of at least `lists` floats. Offsets here are float offsets (see {@link allocFloats}).
 */
export function trainCells(
  arena: DotArena,
  sample: number,
  n: number,
  dim: number,
  lists: number,
  iterations: number,
  random: () => number,
  scores: number,
): TrainedCells {
  const groups = coarseGroups(lists);
  const coarse = allocFloats(arena, groups * dim);
  const fine = allocFloats(arena, lists * dim);
  // Coarse level on a prefix of the (already shuffled) sample, then every sample row to its group.
  kMeans(arena, sample, Math.min(n, groups * COARSE_SAMPLE_PER_GROUP), dim, coarse, groups, iterations, random, scores);
  const group = nearest(arena, sample, n, dim, coarse, groups, scores);
  // Reorder the sample by group so that each group's rows are contiguous for its own k-means.
  const count = new Int32Array(groups + 1);
  for (let i = 0; i < n; i++) count[group[i] + 1]++;
  for (let g = 0; g < groups; g++) count[g + 1] += count[g];
  const reordered = new Float32Array(n * dim);
  const fill = count.slice(0, groups);
  for (let i = 0; i < n; i++) reordered.set(arena.f32.subarray(sample + i * dim, sample + (i + 1) * dim), fill[group[i]]++ * dim);
  arena.f32.set(reordered, sample);
  // Cells per group: one for each non-empty group, the rest in proportion to group size (cumulative rounding).
  const nonEmpty = Array.from({ length: groups }, (_, g) => count[g + 1] > count[g]).filter(Boolean).length;
  const spare = lists - nonEmpty;
  const groupStart = new Int32Array(groups + 1);
  let cells = 0;
  for (let g = 0; g < groups; g++) {
    const size = count[g + 1] - count[g];
    groupStart[g] = cells;
    if (size === 0) continue;
    const want = 1 + Math.round((count[g + 1] * spare) / n) - Math.round((count[g] * spare) / n);
    const k = Math.min(want, size);
    kMeans(arena, sample + count[g] * dim, size, dim, fine + cells * dim, k, iterations, random, scores);
    cells += k;
  }
  groupStart[groups] = cells;
  return { groups, groupStart, coarse, fine, cells };
}

/**
 * The cell of each of the `n` rows at arena offset `rows` (a row block the caller refills): the best fine centroid
 * among the cells of the row's {@link ASSIGN_GROUPS} best coarse groups. `scores` needs max(groups, cells) floats.
 */
export function assignCells(arena: DotArena, trained: TrainedCells, rows: number, n: number, dim: number, scores: number, out: Int32Array, outAt: number): void {
  const { groups, groupStart, coarse, fine } = trained;
  const f = arena.f32;
  const coarseScores = new Float32Array(groups);
  const probe = Math.min(ASSIGN_GROUPS, groups);
  for (let i = 0; i < n; i++) {
    const row = rows + i * dim;
    dots(arena, coarse, groups, dim, row, scores);
    coarseScores.set(f.subarray(scores, scores + groups));
    let best = 0, bestScore = -Infinity;
    for (let p = 0; p < probe; p++) {
      let g = 0, gScore = -Infinity;
      for (let j = 0; j < groups; j++) if (coarseScores[j] > gScore) { gScore = coarseScores[j]; g = j; }
      coarseScores[g] = -Infinity;
      const first = groupStart[g], count = groupStart[g + 1] - first;
      if (count === 0) continue;
      dots(arena, fine + first * dim, count, dim, row, scores);
      for (let c = 0; c < count; c++) if (f[scores + c] > bestScore) { bestScore = f[scores + c]; best = first + c; }
    }
    out[outAt + i] = best;
  }
}

/** Spherical k-means of `n` arena rows into `k` unit centroids (written at `centroids`), seeded from k distinct rows. */
function kMeans(arena: DotArena, rows: number, n: number, dim: number, centroids: number, k: number, iterations: number, random: () => number, scores: number): void {
  const f = arena.f32;
  // Initial centroids: k distinct rows (partial Fisher–Yates over row numbers).
  const pick = Int32Array.from({ length: n }, (_, i) => i);
  for (let c = 0; c < k; c++) {
    const j = c + Math.floor(random() * (n - c));
    const t = pick[c]; pick[c] = pick[j]; pick[j] = t;
    f.copyWithin(centroids + c * dim, rows + pick[c] * dim, rows + (pick[c] + 1) * dim);
  }
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let it = 0; it < iterations; it++) {
    const cell = nearest(arena, rows, n, dim, centroids, k, scores);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = cell[i], o = rows + i * dim, s = c * dim;
      counts[c]++;
      for (let d = 0; d < dim; d++) sums[s + d] += f[o + d];
    }
    for (let c = 0; c < k; c++) {
      const s = c * dim;
      // An empty cell restarts at a random row, so no centroid is wasted.
      if (counts[c] === 0) {
        const o = rows + Math.floor(random() * n) * dim;
        for (let d = 0; d < dim; d++) sums[s + d] = f[o + d];
      }
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += sums[s + d] * sums[s + d];
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let d = 0; d < dim; d++) f[centroids + s + d] = sums[s + d] * inv;
    }
  }
}

/** The best of `k` centroids for each of `n` arena rows. */
function nearest(arena: DotArena, rows: number, n: number, dim: number, centroids: number, k: number, scores: number): Int32Array {
  const f = arena.f32;
  const cell = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    dots(arena, centroids, k, dim, rows + i * dim, scores);
    let best = 0, bestScore = -Infinity;
    for (let c = 0; c < k; c++) if (f[scores + c] > bestScore) { bestScore = f[scores + c]; best = c; }
    cell[i] = best;
  }
  return cell;
}
