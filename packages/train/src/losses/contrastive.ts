/**
 * Contrastive loss (Hadsell, Chopra & LeCun 2006) on the Euclidean distance d of mined pairs:
 *   L = 1/(2·P) · [ Σ_same d² + Σ_different max(0, m − d)² ]
 * over the P pairs the balanced pair miner picks (all positives, as many hardest negatives).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossFn } from './loss.js';
import { pairwiseSquaredDistances, safeSqrt, weightedSum } from './distances.js';
import { mineBalancedPairs, type PairMiner } from './miners/balanced-pairs.js';
import { readSquaredDistances } from './read-distances.js';

export function contrastiveLoss(margin: number, miner: PairMiner = mineBalancedPairs): LossFn {
  return (embeddings, labels) =>
    tf.tidy(() => {
      const n = labels.length;
      const d2 = pairwiseSquaredDistances(embeddings);
      const pairs = miner(labels, readSquaredDistances(d2));
      const count = pairs.positive.i.length + pairs.negative.i.length;
      if (count === 0) return tf.mul(tf.sum(embeddings), 0) as tf.Scalar;
      const positiveWeights = new Float32Array(n * n);
      for (let k = 0; k < pairs.positive.i.length; k++) positiveWeights[pairs.positive.i[k] * n + pairs.positive.j[k]] += 1;
      const negativeWeights = new Float32Array(n * n);
      for (let k = 0; k < pairs.negative.i.length; k++) negativeWeights[pairs.negative.i[k] * n + pairs.negative.j[k]] += 1;
      const pull = weightedSum(d2, positiveWeights);
      const push = weightedSum(tf.square(tf.relu(tf.sub(margin, safeSqrt(d2)))) as tf.Tensor2D, negativeWeights);
      return tf.div(tf.add(pull, push), 2 * count) as tf.Scalar;
    });
}
