/**
 * Verification (same / different) metrics from pair distances: ROC AUC (probability that a random positive pair
 * is closer than a random negative pair, ties counting half: the Mann–Whitney statistic) and the equal error
 * rate (where false-accept rate = false-reject rate, thresholding on distance).
 */
import type { EpisodeClass } from '../sampling/episodes.js';
import { Rng } from '../sampling/rng.js';
import { squaredEuclidean } from './distances.js';

export interface VerificationResult {
  pairs: number;
  auc: number;
  eer: number;
  /** Distance threshold at the EER (same ⇔ distance ≤ threshold). */
  eerThreshold: number;
}

export function verificationMetrics(distances: ArrayLike<number>, same: ArrayLike<boolean>): VerificationResult {
  const n = distances.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => distances[a] - distances[b]);
  const positives = Array.from(same).filter(Boolean).length;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) throw new RangeError('verification needs both positive and negative pairs');
  // AUC with average ranks for ties.
  let rankSumNeg = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && distances[order[j + 1]] === distances[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (!same[order[k]]) rankSumNeg += rank;
    i = j + 1;
  }
  // Positives should have small distances: AUC = P(d_pos < d_neg) = U_neg / (P·N).
  const auc = (rankSumNeg - (negatives * (negatives + 1)) / 2) / (positives * negatives);
  // Sweep thresholds at each distinct distance; FRR = positives above, FAR = negatives at or below.
  let best = { gap: Infinity, eer: 1, threshold: 0 };
  const accepted = { pos: 0, neg: 0 };
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && distances[order[j + 1]] === distances[order[i]]) j++;
    for (let k = i; k <= j; k++) {
      if (same[order[k]]) accepted.pos++;
      else accepted.neg++;
    }
    const far = accepted.neg / negatives;
    const frr = 1 - accepted.pos / positives;
    const gap = Math.abs(far - frr);
    if (gap < best.gap) best = { gap, eer: (far + frr) / 2, threshold: distances[order[i]] };
    i = j + 1;
  }
  return { pairs: n, auc, eer: best.eer, eerThreshold: best.threshold };
}

/** Balanced random pairs over embedded items, with their Euclidean distances. */
export function verificationPairs(embeddings: Float32Array, dim: number, classes: EpisodeClass[], pairs: number, seed = 99): { distances: Float64Array; same: boolean[] } {
  const rng = new Rng(seed);
  const usable = classes.map((_, i) => i).filter((i) => classes[i].members.length >= 2);
  if (usable.length < 2) throw new RangeError('verification pairs need 2 classes with 2+ items');
  const distances = new Float64Array(pairs);
  const same: boolean[] = [];
  for (let i = 0; i < pairs; i++) {
    const positive = i % 2 === 0;
    const a = rng.pick(usable);
    let x: number, y: number;
    if (positive) [x, y] = rng.sample(classes[a].members, 2);
    else {
      let b = rng.pick(usable);
      while (b === a) b = rng.pick(usable);
      x = rng.pick(classes[a].members);
      y = rng.pick(classes[b].members);
    }
    distances[i] = Math.sqrt(squaredEuclidean(embeddings, x, embeddings, y, dim));
    same.push(positive);
  }
  return { distances, same };
}
