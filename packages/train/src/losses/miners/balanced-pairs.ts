/**
 * Pair mining for the contrastive loss: every positive pair (i < j, same class) and as many negative pairs, the
 * hardest ones (smallest distance) — a batch holds far more negative than positive pairs, and most negatives are
 * already beyond the margin, contributing nothing. Ties go to the lowest (i, j).
 */
export interface Pairs {
  positive: { i: Int32Array; j: Int32Array };
  negative: { i: Int32Array; j: Int32Array };
}

export type PairMiner = (labels: Int32Array, squaredDistances: Float32Array) => Pairs;

export const mineBalancedPairs: PairMiner = (labels, d2) => {
  const n = labels.length;
  const posI: number[] = [];
  const posJ: number[] = [];
  const negatives: Array<{ i: number; j: number; d: number }> = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (labels[i] === labels[j]) {
        posI.push(i);
        posJ.push(j);
      } else {
        negatives.push({ i, j, d: d2[i * n + j] });
      }
    }
  }
  // Stable sort keeps index order among equal distances.
  negatives.sort((x, y) => x.d - y.d);
  const chosen = negatives.slice(0, Math.max(posI.length, 1));
  return {
    positive: { i: Int32Array.from(posI), j: Int32Array.from(posJ) },
    negative: { i: Int32Array.from(chosen.map((c) => c.i)), j: Int32Array.from(chosen.map((c) => c.j)) },
  };
};
