/**
 * Triplet loss (Schroff, Kalenichenko & Philbin 2015, FaceNet) on squared Euclidean distances:
 *   ℓ(a,p,n) = max(0, ‖f(a) − f(p)‖² − ‖f(a) − f(n)‖² + α)
 * averaged over the miner's triplets (or over the active ones, see Triplets.average). With L2-normalised
 * embeddings d² ∈ [0, 4], FaceNet's α = 0.2.
 *
 * The mean is computed without gathering: the active triplets add +1 to a weight matrix W⁺ at (a,p) and to
 * W⁻ at (a,n), so Σ ℓ = Σ W⁺⊙D² − Σ W⁻⊙D² + α·#active — the same value and gradient, from N×N tensors only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss.js';
import { pairwiseSquaredDistances, weightedSum } from './distances.js';
import type { TripletMiner } from './miners/triplets.js';
import { readSquaredDistances } from './read-distances.js';

export function tripletLoss(margin: number, miner: TripletMiner): LossFn {
  return (embeddings, labels) =>
    tf.tidy(() => {
      const n = labels.length;
      const d2 = pairwiseSquaredDistances(embeddings);
      const d2Values = readSquaredDistances(d2);
      const triplets = miner(labels, d2Values);
      const positiveWeights = new Float32Array(n * n);
      const negativeWeights = new Float32Array(n * n);
      let active = 0;
      for (let t = 0; t < triplets.anchor.length; t++) {
        const a = triplets.anchor[t];
        const ap = a * n + triplets.positive[t];
        const an = a * n + triplets.negative[t];
        if (d2Values[ap] - d2Values[an] + margin <= 0) continue;
        positiveWeights[ap] += 1;
        negativeWeights[an] += 1;
        active++;
      }
      const denominator = triplets.average === 'active' ? active : triplets.anchor.length;
      // No active triplet: a zero that still depends on the embeddings, so gradients are zeros, not missing.
      if (active === 0 || denominator === 0) return tf.mul(tf.sum(embeddings), 0) as tf.Scalar;
      const total = tf.add(tf.sub(weightedSum(d2, positiveWeights), weightedSum(d2, negativeWeights)), margin * active);
      return tf.div(total, denominator) as tf.Scalar;
    });
}
