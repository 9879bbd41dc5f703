/**
 * Differentiable gather of the embeddings of every replica. The full batch is the concatenation of every
 * replica's rows; each replica computes the (same) loss on all of it, so the gradient of its own rows is just its
 * slice of the full gradient — no communication in the backward pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Collective } from './collective.js';

/** [n_r, D] per replica → [Σ n_r, D] on every replica, rows in rank order. */
export function gatherRows(x: tf.Tensor2D, collective: Collective): tf.Tensor2D {
  if (collective.size === 1) return x;
  const width = x.shape[1];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    const parts = collective.allGather(input.dataSync() as Float32Array);
    const total = parts.reduce((s, p) => s + p.length, 0);
    const joined = new Float32Array(total);
    let offset = 0;
    let myOffset = 0;
    parts.forEach((part, r) => {
      if (r === collective.rank) myOffset = offset;
      joined.set(part, offset);
      offset += part.length;
    });
    const value: tf.Tensor = tf.tensor2d(joined, [total / width, width]);
    const gradFunc = (dy: tf.Tensor): tf.Tensor => tf.slice(dy, [myOffset / width, 0], [input.shape[0], width]);
    return { value, gradFunc };
  });
  return op(x) as tf.Tensor2D;
}
