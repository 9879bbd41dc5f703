/**
 * Pair mining for the contrastive loss: every positive pair (i < j, same class) and as many negative pairs, the
 * hardest ones (smallest distance) — a batch holds far more negative than positive pairs, and most negatives are
 * already beyond the margin, contributing nothing. Ties go to the lowest (i, j); the negatives come out nearest
 * first.
 *
 * Written with typed arrays and a selection rather than sorting every negative: at 32×8 a batch has 31,744
 * negative pairs, and sorting them as objects took ~22 ms a step — half the whole loss's forward and backward —
 * on every data-parallel worker.
 */
export interface Pairs {
  positive: { i: Int32Array; j: Int32Array };
  negative: { i: Int32Array; j: Int32Array };
}

export type PairMiner = (labels: Int32Array, squaredDistances: Float32Array) => Pairs;

export const mineBalancedPairs: PairMiner = (labels, d2) => {
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (labels[i] === labels[j]) positives++;
  const negativeCount = (n * (n - 1)) / 2 - positives;
  const posI = new Int32Array(positives);
  const posJ = new Int32Array(positives);
  // Negative pairs in (i, j) order: their distances and their flat index i·n + j.
  const negD = new Float32Array(negativeCount);
  const negAt = new Int32Array(negativeCount);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (labels[i] === labels[j]) {
        posI[p] = i;
        posJ[p++] = j;
      } else {
        negD[q] = d2[i * n + j];
        negAt[q++] = i * n + j;
      }
    }
  }
  const want = Math.min(Math.max(positives, 1), negativeCount);
  const chosen = hardest(negD, want);
  return {
    positive: { i: posI, j: posJ },
    negative: { i: chosen.map((k) => Math.floor(negAt[k] / n)), j: chosen.map((k) => negAt[k] % n) },
  };
};

/** Positions of the `count` smallest values, smallest first, ties by position — what a stable sort's prefix gives. */
function hardest(values: Float32Array, count: number): Int32Array {
  if (count === 0) return new Int32Array(0);
  const threshold = kthSmallest(Float32Array.from(values), count - 1);
  const out = new Int32Array(count);
  let below = 0;
  for (let k = 0; k < values.length; k++) if (values[k] < threshold) out[below++] = k;
  // Then the values equal to the threshold, lowest positions first, until `count`.
  for (let k = 0, m = below; m < count && k < values.length; k++) if (values[k] === threshold) out[m++] = k;
  return out.sort((a, b) => values[a] - values[b] || a - b);
}

/** The k-th smallest value (0-based) of `a`, reordering `a` (Hoare's quickselect with a median-of-three pivot). */
function kthSmallest(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pivot = median3(a[lo], a[mid], a[hi]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}
