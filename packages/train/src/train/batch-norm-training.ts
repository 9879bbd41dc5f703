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
import {
  BATCH_NORM_FORWARD,
  BATCH_NORM_GRAD_INPUT,
  BATCH_NORM_GRAD_SUMS,
  CENTRED_SQUARES,
} from '../backend/kernels/batch-norm-relu.js';
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

interface BatchNormOptions {
  epsilon: number;
  count: number;
  relu: boolean;
  collective: Collective;
}

/** Our fused single-pass kernels exist for the running backend (wasm with kernels 'ours'). */
function fusedKernelsAvailable(): boolean {
  return tf.getKernel(BATCH_NORM_FORWARD, tf.getBackend()) != null;
}

function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, boolean> = {}): tf.Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs) as tf.Tensor;
}

export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D | null,
  beta: tf.Tensor1D | null,
  options: BatchNormOptions,
): BatchNormTrainingResult {
  const channels = x.shape[x.rank - 1];
  const g = gamma ?? tf.ones([channels]);
  const b = beta ?? tf.zeros([channels]);
  const result = fusedKernelsAvailable() ? batchNormFused(x, g as tf.Tensor1D, b as tf.Tensor1D, options) : batchNormOps(x, g as tf.Tensor1D, b as tf.Tensor1D, options);
  if (gamma == null) g.dispose();
  if (beta == null) b.dispose();
  return result;
}

/** The same computation with our single-pass wasm kernels (see backend/kernels/batch-norm-relu.ts). */
function batchNormFused(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, options: BatchNormOptions): BatchNormTrainingResult {
  const { epsilon, count, relu, collective } = options;
  const { mean, variance } = wholeBatchMoments(x, count, collective);
  const inv = tf.rsqrt(tf.add(variance, epsilon));
  const scale = tf.mul(inv, gamma);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, , betaIn] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const y = runKernel(BATCH_NORM_FORWARD, { x: xIn, mean, scale, offset: betaIn }, { relu });
    // Everything the gradient reads must be saved: tensors of the forward pass are disposed before backprop.
    save([xIn, y, mean, inv, scale]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xSaved, ySaved, mean, inv, scale] = saved;
      const sums = runKernel(BATCH_NORM_GRAD_SUMS, { dy, x: xSaved, y: ySaved, mean, inv }, { relu }); // [2, C]
      const means = tf.div(allReduce(sums, collective), count);
      const dx = runKernel(BATCH_NORM_GRAD_INPUT, { dy, x: xSaved, y: ySaved, mean, inv, scale, means }, { relu });
      const [sumG, sumGX] = tf.unstack(sums);
      return [dx, sumGX, sumG];
    };
    return { value: y, gradFunc };
  });
  return { y: op(x, gamma, beta), mean, variance };
}

/**
 * Mean and (biased) variance per channel over the whole batch. One replica: Σx, then Σ(x − μ)² about that mean.
 * Several: each replica computes its own rows' mean and centred sum of squares, and one exchange combines them
 * (Chan, Golub & LeVeque's parallel formula: M₂ = Σᵣ M₂ᵣ + Σᵣ nᵣ(μᵣ − μ)²), exact and as stable as the two-pass
 * form. The two-pass form would need two exchanges per layer, and each exchange is a barrier at which the faster
 * worker waits for the slower — on a shared VM, where the two cores' speeds wander, every barrier costs time.
 */
function wholeBatchMoments(x: tf.Tensor, count: number, collective: Collective): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const channels = x.shape[x.rank - 1];
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  if (collective.size === 1) {
    const mean = tf.div(tf.sum(x, axes), count) as tf.Tensor1D;
    return { mean, variance: tf.div(runKernel(CENTRED_SQUARES, { x, mean }), count) as tf.Tensor1D };
  }
  const localCount = x.size / channels;
  const localMean = tf.div(tf.sum(x, axes), Math.max(localCount, 1)) as tf.Tensor1D;
  const localSquares = runKernel(CENTRED_SQUARES, { x, mean: localMean });
  const local = new Float32Array(2 * channels + 1);
  local.set(localMean.dataSync() as Float32Array, 0);
  local.set(localSquares.dataSync() as Float32Array, channels);
  local[2 * channels] = localCount;
  tf.dispose([localMean, localSquares]);
  const parts = collective.allGather(local);
  const mean = new Float64Array(channels);
  for (const part of parts) for (let c = 0; c < channels; c++) mean[c] += part[2 * channels] * part[c];
  for (let c = 0; c < channels; c++) mean[c] /= count;
  const m2 = new Float64Array(channels);
  for (const part of parts) {
    const n = part[2 * channels];
    for (let c = 0; c < channels; c++) m2[c] += part[channels + c] + n * (part[c] - mean[c]) ** 2;
  }
  return {
    mean: tf.tensor1d(Float32Array.from(mean)),
    variance: tf.tensor1d(Float32Array.from(m2, (v) => v / count)),
  };
}

/** Composed from tfjs ops: any backend. */
function batchNormOps(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  options: BatchNormOptions,
): BatchNormTrainingResult {
  const { epsilon, count, relu, collective } = options;
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  // Moments are computed outside the gradient (the closed form covers their contribution).
  const [mean, variance] = tf.tidy(() => {
    const m = tf.div(allReduce(tf.sum(x, axes), collective), count) as tf.Tensor1D;
    const v = tf.div(allReduce(tf.sum(tf.square(tf.sub(x, m)), axes), collective), count) as tf.Tensor1D;
    return [m, v];
  });
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
  return { y: op(x, gamma, beta), mean, variance };
}
