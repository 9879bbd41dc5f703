/**
 * One replica's share of a training step: forward its rows in training mode, the loss over the whole batch,
 * backward, and the gradient as one flat vector. Used by the single-thread stepper (one replica holding the whole
 * batch) and by every data-parallel worker.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LossFn } from '../losses/loss.js';
import { LOCAL_COLLECTIVE, type Collective } from './collective.js';
import { gatherRows } from './collective-ops.js';
import { trainingForward, type BatchNormStatistics, type TrainingForwardResult } from './training-forward.js';
import type { WeightLayout } from './weight-layout.js';

export interface ReplicaStepInput {
  /** This replica's rows, NHWC. */
  images: Float32Array;
  rows: number;
  /** Labels of the whole batch (every replica's rows, in rank order). */
  labels: Int32Array;
  inputSize: number;
  channels: number;
  /**
   * Batch-norm groups held by this replica (row counts, summing to `rows`), each normalised on its own with no
   * exchange between replicas; absent = one batch norm over the whole batch, its statistics shared through the
   * collective. See batch-norm-groups.ts.
   */
  groups?: number[];
}

export interface ReplicaStepResult {
  loss: number;
  /** ∂L/∂w of this replica's part of the graph; the full gradient is the sum over replicas. */
  gradients: Float32Array;
  /**
   * Per batch-norm layer in model order: mean then variance (channels each) over the whole batch — or, with
   * groups, the average over this replica's groups of their means and variances.
   */
  batchNorm: Float32Array;
}

export function replicaStep(
  model: LayersModel,
  layout: WeightLayout,
  lossFn: LossFn,
  input: ReplicaStepInput,
  collective: Collective,
): ReplicaStepResult {
  let stats: BatchNormStatistics[] = [];
  let result: ReplicaStepResult | undefined;
  // A loss parameter's gradient is whole on every replica (each computes the loss on the whole batch), so only
  // rank 0 computes and reports it; the others leave it zero (the stepper sums the replicas' gradients).
  const reported = collective.rank === 0 ? layout.slots : layout.slots.filter((s) => !s.lossParameter);
  try {
    // The result leaves the tidy through a variable, not as its return value: tidy walks a returned container
    // key by key looking for tensors, which for a 100k-value gradient array costs ~25 ms a step.
    tf.tidy(() => {
      const x = tf.tensor4d(input.images, [input.rows, input.inputSize, input.inputSize, input.channels]);
      const { value, grads } = tf.variableGrads(() => {
        const forward = input.groups == null ? trainingForward(model, x, collective, input.labels.length) : groupedForward(model, x, input.groups, collective);
        stats = forward.batchNorm;
        return lossFn(forward.embeddings, input.labels);
      }, reported.map((s) => s.variable));
      const gradients = new Float32Array(layout.size);
      for (const slot of reported) {
        const g = grads[slot.variable.name];
        // A variable the loss does not reach keeps a zero gradient.
        if (g != null) gradients.set(g.dataSync() as Float32Array, slot.offset);
      }
      const batchNorm = new Float32Array(stats.reduce((s, b) => s + 2 * b.mean.size, 0));
      let offset = 0;
      for (const b of stats) {
        batchNorm.set(b.mean.dataSync() as Float32Array, offset);
        batchNorm.set(b.variance.dataSync() as Float32Array, offset + b.mean.size);
        offset += 2 * b.mean.size;
      }
      result = { loss: value.dataSync()[0], gradients, batchNorm };
    });
    return result!;
  } finally {
    for (const b of stats) tf.dispose([b.mean, b.variance]);
  }
}

/**
 * The forward pass with batch-norm groups: every group runs through the network on its own (every other layer
 * works row by row, so only batch norm sees the difference), then the embeddings of all replicas are gathered for
 * the loss. The statistics reported for the moving averages are the groups' mean mean and mean variance.
 */
function groupedForward(model: LayersModel, x: tf.Tensor4D, groups: number[], collective: Collective): TrainingForwardResult {
  const parts: tf.Tensor2D[] = [];
  const perGroup: BatchNormStatistics[][] = [];
  let start = 0;
  for (const rows of groups) {
    const part = groups.length === 1 ? x : tf.slice(x, [start, 0, 0, 0], [rows, -1, -1, -1]);
    const forward = trainingForward(model, part, LOCAL_COLLECTIVE, rows);
    parts.push(forward.embeddings);
    perGroup.push(forward.batchNorm);
    start += rows;
  }
  const local = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
  const batchNorm = perGroup[0].map((first, layer) => {
    if (perGroup.length === 1) return first;
    const mean = tf.keep(tf.div(tf.addN(perGroup.map((g) => g[layer].mean)), perGroup.length) as tf.Tensor1D);
    const variance = tf.keep(tf.div(tf.addN(perGroup.map((g) => g[layer].variance)), perGroup.length) as tf.Tensor1D);
    return { layer: first.layer, mean, variance };
  });
  if (perGroup.length > 1) for (const g of perGroup) for (const b of g) tf.dispose([b.mean, b.variance]);
  return { embeddings: gatherRows(local, collective), batchNorm };
}
