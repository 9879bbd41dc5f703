/**
 * Training-mode batch normalisation (optionally followed by ReLU) as one op with a closed-form gradient.
 *
 * Forward, over all rows of all replicas (M = rows·H·W values per channel):
 *   μ = Σx/M,  σ² = Σ(x−μ)²/M,  x̂ = (x−μ)/√(σ²+ε),  y = γx̂ + β  (then y ← max(y, 0) when fused with ReLU).
 * Backward, with g = ∂L/∂y (masked by y > 0 for the ReLU):
 *   ∂β = Σg,  ∂γ = Σg·x̂,  ∂x = γ/√(σ²+ε) · (g − Σg/M − x̂·Σ(g·x̂)/M)
 * where the sums for ∂x are all-reduced across replicas (they are whole-batch quantities) and those for ∂β, ∂γ are
 * not (each replica's share is summed with the rest of its gradient). Compared with letting autograd differentiate
 * the formula, this avoids tfjs' broadcast-by-multiplying-with-ones gradients of Sum, a full-size Cast and Step
 * for the ReLU, and keeps a single saved activation (x̂).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Collective } from './collective.js';

export interface BatchNormTrainingResult {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

function allReduce(x: tf.Tensor, collective: Collective): tf.Tensor {
  if (collective.size === 1) return x;
  return tf.tensor(collective.allReduceSum(x.dataSync() as Float32Array), x.shape);
}

export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D | null,
  beta: tf.Tensor1D | null,
  options: { epsilon: number; count: number; relu: boolean; collective: Collective },
): BatchNormTrainingResult {
  const { epsilon, count, relu, collective } = options;
  const channels = x.shape[x.rank - 1];
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  // Moments are computed outside the gradient (the closed form covers their contribution).
  const [mean, variance] = tf.tidy(() => {
    const m = tf.div(allReduce(tf.sum(x, axes), collective), count) as tf.Tensor1D;
    const v = tf.div(allReduce(tf.sum(tf.square(tf.sub(x, m)), axes), collective), count) as tf.Tensor1D;
    return [m, v];
  });
  const g = gamma ?? tf.ones([channels]);
  const b = beta ?? tf.zeros([channels]);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(tf.sub(xIn, mean), inv);
    let y = tf.add(tf.mul(xHat, gammaIn), betaIn);
    if (relu) y = tf.relu(y);
    save([xHat, tf.mul(inv, gammaIn), y]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xHatSaved, scale, ySaved] = saved;
      const grad = relu ? tf.mul(dy, tf.step(ySaved)) : dy;
      const sumG = tf.sum(grad, axes);
      const sumGX = tf.sum(tf.mul(grad, xHatSaved), axes);
      const meanG = tf.div(allReduce(sumG, collective), count);
      const meanGX = tf.div(allReduce(sumGX, collective), count);
      const dx = tf.mul(tf.sub(tf.sub(grad, meanG), tf.mul(xHatSaved, meanGX)), scale);
      return [dx, sumGX, sumG];
    };
    return { value: y, gradFunc };
  });
  const y = op(x, g, b);
  if (gamma == null) g.dispose();
  if (beta == null) b.dispose();
  return { y, mean, variance };
}
