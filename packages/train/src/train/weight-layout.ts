/**
 * Where each trainable variable lives in the flat parameter vector that the optimiser, the gradient exchange
 * between workers and checkpoints use. Names are the layers' weight names without tfjs' per-process `_1`
 * suffixes (LayerVariable.originalName), so they match across threads and runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

export interface WeightSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  variable: tf.Variable;
}

export interface WeightLayout {
  slots: WeightSlot[];
  size: number;
}

export function trainableLayout(model: LayersModel): WeightLayout {
  const slots: WeightSlot[] = [];
  let offset = 0;
  for (const w of model.trainableWeights) {
    const shape = w.shape.map((d) => Number(d));
    const size = shape.reduce((a, b) => a * b, 1);
    slots.push({ name: w.originalName, shape, offset, size, variable: w.read() as tf.Variable });
    offset += size;
  }
  return { slots, size: offset };
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
