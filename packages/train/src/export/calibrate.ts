/**
 * Calibration written into an exported model: from the distances of validation pairs (same class / different
 * class), the same/different threshold and the Platt parameters that turn a distance into a same-class
 * probability, p(d) = 1 / (1 + exp(a·d + b)) — core's `distanceToProbability`.
 *
 * - threshold: maximises balanced accuracy ((TPR + TNR) / 2) over cut points halfway between neighbouring
 *   distances, so a perfectly separable set gets the middle of its gap;
 * - Platt: maximum likelihood with Platt's smoothed targets and the Newton method with backtracking of
 *   Lin, Lin & Weng (2007), "A note on Platt's probabilistic outputs for support vector machines" — the smoothed
 *   targets keep a and b finite on separable data;
 * - also reported: the equal error rate and its threshold, and the accuracy at the chosen threshold.
 */
import { SiameseError, type CalibrationSpec } from '@siamese-sdk/core';

export interface PairDistances {
  /** Distances of same-class pairs. */
  positives: ArrayLike<number>;
  /** Distances of different-class pairs. */
  negatives: ArrayLike<number>;
}

/** Pair distances sorted into same-class and different-class ones (e.g. from `verificationPairs`). */
export function splitPairDistances(distances: ArrayLike<number>, same: ArrayLike<boolean>): { positives: number[]; negatives: number[] } {
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < distances.length; i++) (same[i] ? positives : negatives).push(distances[i]);
  return { positives, negatives };
}

export interface Calibration extends CalibrationSpec {
  pairs: number;
  /** Balanced accuracy of `d <= threshold` on the pairs. */
  accuracy: number;
  /** Equal error rate (false accepts = false rejects) and where it occurs. */
  eer: number;
  eerThreshold: number;
}

function checked(values: ArrayLike<number>, what: string): Float64Array {
  if (!values || values.length === 0) throw new SiameseError('INVALID_ARGUMENT', `calibration needs at least one ${what} pair distance`);
  const out = Float64Array.from(values);
  const bad = out.findIndex((d) => !Number.isFinite(d));
  if (bad >= 0) throw new SiameseError('INVALID_ARGUMENT', `${what} distance #${bad} is not a finite number (${out[bad]})`, { index: bad });
  return out;
}

interface Sweep {
  threshold: number;
  accuracy: number;
  eer: number;
  eerThreshold: number;
}

/** Sweeps cut points over the sorted distances: `same` = d <= t. */
function sweep(pos: Float64Array, neg: Float64Array): Sweep {
  const all = [...Array.from(pos, (d) => ({ d, same: true })), ...Array.from(neg, (d) => ({ d, same: false }))].sort((a, b) => a.d - b.d);
  const P = pos.length;
  const N = neg.length;
  // Start below every distance: nothing accepted.
  let acceptedPos = 0;
  let acceptedNeg = 0;
  let best = { threshold: all[0].d - 1e-6, accuracy: 0.5 };
  let eer = { gap: Number.POSITIVE_INFINITY, rate: 0.5, threshold: best.threshold };
  const consider = (threshold: number): void => {
    const tpr = acceptedPos / P;
    const tnr = 1 - acceptedNeg / N;
    const accuracy = (tpr + tnr) / 2;
    if (accuracy > best.accuracy) best = { threshold, accuracy };
    const far = acceptedNeg / N;
    const frr = 1 - tpr;
    if (Math.abs(far - frr) < eer.gap) eer = { gap: Math.abs(far - frr), rate: (far + frr) / 2, threshold };
  };
  consider(best.threshold);
  for (let i = 0; i < all.length; i++) {
    if (all[i].same) acceptedPos++;
    else acceptedNeg++;
    // Only cut between distinct distances: equal distances must get the same decision.
    if (i + 1 < all.length && all[i + 1].d === all[i].d) continue;
    const threshold = i + 1 < all.length ? (all[i].d + all[i + 1].d) / 2 : all[i].d;
    consider(threshold);
  }
  return { threshold: best.threshold, accuracy: best.accuracy, eer: eer.rate, eerThreshold: eer.threshold };
}

/** Platt's sigmoid fit: returns a, b with p(same | d) = 1 / (1 + exp(a·d + b)). */
export function fitPlatt(distances: ArrayLike<number>, same: ArrayLike<boolean>): { a: number; b: number } {
  const n = distances.length;
  let prior1 = 0;
  for (let i = 0; i < n; i++) if (same[i]) prior1++;
  const prior0 = n - prior1;
  const hi = (prior1 + 1) / (prior1 + 2);
  const lo = 1 / (prior0 + 2);
  const target = Float64Array.from({ length: n }, (_, i) => (same[i] ? hi : lo));
  const objective = (a: number, b: number): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = distances[i] * a + b;
      f += z >= 0 ? target[i] * z + Math.log1p(Math.exp(-z)) : (target[i] - 1) * z + Math.log1p(Math.exp(z));
    }
    return f;
  };
  let a = 0;
  let b = Math.log((prior0 + 1) / (prior1 + 1));
  let fval = objective(a, b);
  const sigma = 1e-12;
  for (let iter = 0; iter < 100; iter++) {
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < n; i++) {
      const d = distances[i];
      const z = d * a + b;
      // p = P(same) = 1 / (1 + e^z), q = 1 - p, computed without overflow.
      const e = Math.exp(-Math.abs(z));
      const p = z >= 0 ? e / (1 + e) : 1 / (1 + e);
      const q = 1 - p;
      const d2 = p * q;
      h11 += d * d * d2;
      h22 += d2;
      h21 += d * d2;
      const d1 = target[i] - p;
      g1 += d * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < 1e-5 && Math.abs(g2) < 1e-5) break;
    const det = h11 * h22 - h21 * h21;
    const da = -(h22 * g1 - h21 * g2) / det;
    const db = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * da + g2 * db;
    let step = 1;
    while (step >= 1e-10) {
      const na = a + step * da;
      const nb = b + step * db;
      const nf = objective(na, nb);
      if (nf < fval + 1e-4 * step * gd) {
        a = na;
        b = nb;
        fval = nf;
        break;
      }
      step /= 2;
    }
    if (step < 1e-10) break;
  }
  return { a, b };
}

/** Fits threshold and Platt parameters on validation pair distances. Pure: the same input gives the same output. */
export function calibrateDistances(pairs: PairDistances): Calibration {
  const pos = checked(pairs.positives, 'same-class');
  const neg = checked(pairs.negatives, 'different-class');
  const s = sweep(pos, neg);
  const distances = Float64Array.from([...pos, ...neg]);
  const same = Array.from({ length: distances.length }, (_, i) => i < pos.length);
  const { a, b } = fitPlatt(distances, same);
  return { threshold: s.threshold, plattA: a, plattB: b, pairs: distances.length, accuracy: s.accuracy, eer: s.eer, eerThreshold: s.eerThreshold };
}
