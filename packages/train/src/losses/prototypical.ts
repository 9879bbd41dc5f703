/**
 * Prototypical loss (Snell, Swersky & Zemel 2017) on an episode laid out as a batch: for each class, the first
 * half (rounded down) of its examples in batch order are the support set, the rest are queries. Prototypes are the
 * support means; each query is classified by softmax over −scale·‖q − c_k‖² and the loss is the mean cross-entropy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SiameseError } from '@siamese-sdk/core';
import type { LossFn } from './loss.js';
import { pairwiseSquaredDistances } from './distances.js';

interface EpisodeLayout {
  /** [C, N]: row k averages class k's support examples. */
  prototypeMatrix: Float32Array;
  /** [Q, N]: row q selects query q. */
  querySelector: Float32Array;
  /** [Q, C]: one-hot true class of each query. */
  queryTargets: Float32Array;
  classes: number;
  queries: number;
}

export function episodeLayout(labels: Int32Array): EpisodeLayout {
  const n = labels.length;
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const members = byClass.get(labels[i]) ?? [];
    members.push(i);
    byClass.set(labels[i], members);
  }
  const classIds = [...byClass.keys()];
  for (const id of classIds) {
    if (byClass.get(id)!.length < 2) {
      throw new SiameseError(
        'INVALID_ARGUMENT',
        `Prototypical loss: class ${id} has ${byClass.get(id)!.length} example(s) in the batch; every class needs at least 2 (support + query)`,
        { label: String(id) },
      );
    }
  }
  if (classIds.length < 2) {
    throw new SiameseError('INVALID_ARGUMENT', 'Prototypical loss: an episode needs at least 2 classes', { classes: classIds.length });
  }
  const c = classIds.length;
  const queryIndices: number[] = [];
  const queryClass: number[] = [];
  const prototypeMatrix = new Float32Array(c * n);
  classIds.forEach((id, k) => {
    const members = byClass.get(id)!;
    const support = Math.floor(members.length / 2);
    for (let s = 0; s < support; s++) prototypeMatrix[k * n + members[s]] = 1 / support;
    for (let q = support; q < members.length; q++) {
      queryIndices.push(members[q]);
      queryClass.push(k);
    }
  });
  const queries = queryIndices.length;
  const querySelector = new Float32Array(queries * n);
  const queryTargets = new Float32Array(queries * c);
  for (let q = 0; q < queries; q++) {
    querySelector[q * n + queryIndices[q]] = 1;
    queryTargets[q * c + queryClass[q]] = 1;
  }
  return { prototypeMatrix, querySelector, queryTargets, classes: c, queries };
}

export function prototypicalLoss(scale = 1): LossFn {
  return (embeddings, labels) =>
    tf.tidy(() => {
      const n = labels.length;
      const layout = episodeLayout(labels);
      const prototypes = tf.matMul(tf.tensor2d(layout.prototypeMatrix, [layout.classes, n]), embeddings) as tf.Tensor2D;
      const queries = tf.matMul(tf.tensor2d(layout.querySelector, [layout.queries, n]), embeddings) as tf.Tensor2D;
      const logits = tf.mul(pairwiseSquaredDistances(queries, prototypes), -scale);
      const logProbabilities = tf.logSoftmax(logits);
      const targets = tf.tensor2d(layout.queryTargets, [layout.queries, layout.classes]);
      return tf.div(tf.neg(tf.sum(tf.mul(targets, logProbabilities))), layout.queries) as tf.Scalar;
    });
}
