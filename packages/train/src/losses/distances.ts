/**
 * Distances between embeddings, shaped so that their gradients stay finite: squared distances come from
 * ‖a‖² + ‖b‖² − 2a·b clamped at 0 (rounding can make them slightly negative), and the Euclidean distance is
 * √max(d², ε), whose gradient is 0 (not ∞ or NaN) at d = 0 — e.g. an embedding's distance to itself.
 */
import * as tf from '@tensorflow/tfjs-core';

export const DISTANCE_EPSILON = 1e-12;

/** [N, M] squared Euclidean distances between the rows of a [N, D] and b [M, D] (b defaults to a). */
export function pairwiseSquaredDistances(a: tf.Tensor2D, b: tf.Tensor2D = a): tf.Tensor2D {
  return tf.tidy(() => {
    const aa = tf.sum(tf.square(a), 1, true); // [N, 1]
    const bb = tf.reshape(tf.sum(tf.square(b), 1), [1, -1]); // [1, M]
    const ab = tf.matMul(a, b, false, true); // [N, M]
    return tf.relu(tf.sub(tf.add(aa, bb), tf.mul(ab, 2))) as tf.Tensor2D;
  });
}

/** √max(x, ε): the Euclidean distance from a squared distance, with a zero (finite) gradient at 0. */
export function safeSqrt<T extends tf.Tensor>(squared: T): T {
  return tf.tidy(() => tf.sqrt(tf.maximum(squared, DISTANCE_EPSILON)) as T);
}

/** Σ w ⊙ x with w a constant [N, N] weight matrix given as a Float32Array. */
export function weightedSum(x: tf.Tensor2D, weights: Float32Array): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(x, tf.tensor2d(weights, x.shape))) as tf.Scalar);
}
