/**
 * Where each trainable variable lives in the flat parameter vector that the optimiser, the gradient exchange
 * between workers and checkpoints use. Names are the layers' weight names without tfjs' per-process `_1`
 * suffixes (LayerVariable.originalName), so they match across threads and runs. A loss's own parameters (e.g.
 * class proxies) follow the network's weights under the names the loss gives them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LossParameter } from '../losses/loss.js';

export interface WeightSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  variable: tf.Variable;
  /**
   * A loss parameter: every replica computes the loss on the whole batch, so each gets its full gradient
   * (where a network weight gets only its rows' share) — one replica alone must report it.
   */
  lossParameter?: boolean;
  /** The slot's learning rate as a multiple of the base rate (absent: 1). */
  learningRateScale?: number;
}

export interface WeightLayout {
  slots: WeightSlot[];
  size: number;
}

export function trainableLayout(model: LayersModel, lossParameters: readonly LossParameter[] = []): WeightLayout {
  const slots: WeightSlot[] = [];
  let offset = 0;
  for (const w of model.trainableWeights) {
    const shape = w.shape.map((d) => Number(d));
    const size = shape.reduce((a, b) => a * b, 1);
    slots.push({ name: w.originalName, shape, offset, size, variable: w.read() as tf.Variable });
    offset += size;
  }
  for (const { name, variable, learningRateScale } of lossParameters) {
    slots.push({ name, shape: variable.shape.slice(), offset, size: variable.size, variable, lossParameter: true, learningRateScale });
    offset += variable.size;
  }
  return { slots, size: offset };
}

/** Per-parameter learning-rate multipliers for Adam, or undefined when every slot uses the base rate. */
export function learningRateScales(layout: WeightLayout): Float32Array | undefined {
  if (layout.slots.every((s) => (s.learningRateScale ?? 1) === 1)) return undefined;
  const scales = new Float32Array(layout.size).fill(1);
  for (const slot of layout.slots) scales.fill(slot.learningRateScale ?? 1, slot.offset, slot.offset + slot.size);
  return scales;
}

export function readFlat(layout: WeightLayout): Float32Array {
  const out = new Float32Array(layout.size);
  for (const slot of layout.slots) out.set(slot.variable.dataSync() as Float32Array, slot.offset);
  return out;
}

export function writeFlat(layout: WeightLayout, values: Float32Array): void {
  for (const slot of layout.slots) {
    tf.tidy(() => slot.variable.assign(tf.tensor(values.subarray(slot.offset, slot.offset + slot.size), slot.shape)));
  }
}
