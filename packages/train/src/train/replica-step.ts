/**
 * One replica's share of a training step: forward its rows in training mode, the loss over the whole batch,
 * backward, and the gradient as one flat vector. Used by the single-thread stepper (one replica holding the whole
 * batch) and by every data-parallel worker.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LossFn } from '../losses/loss.js';
import type { Collective } from './collective.js';
import { trainingForward, type BatchNormStatistics } from './training-forward.js';
import type { WeightLayout } from './weight-layout.js';

export interface ReplicaStepInput {
  /** This replica's rows, NHWC. */
  images: Float32Array;
  rows: number;
  /** Labels of the whole batch (every replica's rows, in rank order). */
  labels: Int32Array;
  inputSize: number;
  channels: number;
}

export interface ReplicaStepResult {
  loss: number;
  /** ∂L/∂w of this replica's part of the graph; the full gradient is the sum over replicas. */
  gradients: Float32Array;
  /** Per batch-norm layer in model order: mean then variance over the whole batch (channels each). */
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
  try {
    // The result leaves the tidy through a variable, not as its return value: tidy walks a returned container
    // key by key looking for tensors, which for a 100k-value gradient array costs ~25 ms a step.
    tf.tidy(() => {
      const x = tf.tensor4d(input.images, [input.rows, input.inputSize, input.inputSize, input.channels]);
      const { value, grads } = tf.variableGrads(() => {
        const forward = trainingForward(model, x, collective, input.labels.length);
        stats = forward.batchNorm;
        return lossFn(forward.embeddings, input.labels);
      }, layout.slots.map((s) => s.variable));
      const gradients = new Float32Array(layout.size);
      for (const slot of layout.slots) {
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
