/**
 * The main thread's model and optimiser: the master copy of the weights that every stepper (single-thread or
 * data-parallel) updates, evaluates with and checkpoints.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SiameseError } from '@siamese-sdk/core';
import type { NetConfig } from '../model/net-config.js';
import type { LossParameter } from '../losses/loss.js';
import type { NamedTensors } from './stepper.js';
import { Adam, type AdamOptions } from './adam.js';
import { learningRateScales, readFlat, trainableLayout, writeFlat, type WeightLayout } from './weight-layout.js';

/** Images embedded per inference call: bounds wasm memory for large evaluation sets. */
export const EMBED_CHUNK = 256;

export class MasterModel {
  readonly layout: WeightLayout;
  readonly adam: Adam;
  /** Trainable weights, flat, in layout order (authoritative; the model's variables mirror them once synced). */
  weights: Float32Array;
  /** Batch-norm moving means and variances, flat (authoritative like `weights`). */
  private readonly moving: MovingStatistics;
  /** Whether the model's variables lag behind `weights` / `moving` (see {@link applyDeferred}). */
  private stale = false;

  constructor(
    private readonly layersModel: LayersModel,
    readonly net: NetConfig,
    adamOptions: AdamOptions = {},
    /** The loss's own parameters (class proxies), trained and checkpointed with the weights. */
    private readonly lossParameters: readonly LossParameter[] = [],
  ) {
    this.layout = trainableLayout(layersModel, lossParameters);
    this.adam = new Adam(this.layout.size, { ...adamOptions, rateScale: learningRateScales(this.layout) });
    this.weights = readFlat(this.layout);
    this.moving = movingStatistics(layersModel);
  }

  /** The model, its variables holding the current weights. */
  get model(): LayersModel {
    this.sync();
    return this.layersModel;
  }

  get step(): number {
    return this.adam.step;
  }

  /** Applies one Adam step with the batch's full gradient and updates batch-norm moving statistics. */
  apply(gradients: Float32Array, lr: number, batchNorm: Float32Array): void {
    this.applyDeferred(gradients, lr, batchNorm);
    this.sync();
  }

  /**
   * {@link apply} on the flat copies only: the model's variables are written when the model is next read (embed,
   * getState, `model`). The data-parallel stepper uses this: its workers hold their own replicas, and writing ~20
   * tensors into this thread's model every step would be serial time the workers wait for.
   */
  applyDeferred(gradients: Float32Array, lr: number, batchNorm: Float32Array): void {
    this.adam.apply(this.weights, gradients, lr);
    // moving ← momentum·moving + (1 − momentum)·batch, per batch-norm layer (Keras convention).
    const { values, layers } = this.moving;
    for (const { offset, channels, momentum } of layers) {
      for (let i = offset; i < offset + 2 * channels; i++) values[i] = momentum * values[i] + (1 - momentum) * batchNorm[i];
    }
    this.stale = true;
  }

  /** Frees the model's tensors and the loss parameters (without bringing them up to date first). */
  disposeModel(): void {
    this.layersModel.dispose();
    for (const p of this.lossParameters) p.variable.dispose();
  }

  /** Writes the flat weights and moving statistics into the model's variables if they changed since. */
  private sync(): void {
    if (!this.stale) return;
    writeFlat(this.layout, this.weights);
    const { values, layers } = this.moving;
    for (const { mean, variance, offset, channels } of layers) {
      tf.tidy(() => {
        mean.assign(tf.tensor1d(values.slice(offset, offset + channels)));
        variance.assign(tf.tensor1d(values.slice(offset + channels, offset + 2 * channels)));
      });
    }
    this.stale = false;
  }

  /** Inference-mode embeddings (batch norm uses the moving statistics), `EMBED_CHUNK` images at a time. */
  embed(images: Float32Array, n: number): Float32Array {
    const { inputSize: s, channels: c } = this.net;
    const perImage = s * s * c;
    checkImages(images, n, perImage, 'embed');
    const d = this.model.outputs[0].shape[1] as number;
    const out = new Float32Array(n * d);
    for (let start = 0; start < n; start += EMBED_CHUNK) {
      const rows = Math.min(EMBED_CHUNK, n - start);
      // The tensor, not its values, leaves the tidy (tidy would walk a returned typed array value by value).
      const chunk = tf.tidy(() => {
        const x = tf.tensor4d(images.subarray(start * perImage, (start + rows) * perImage), [rows, s, s, c]);
        return this.model.predict(x) as tf.Tensor;
      });
      out.set(chunk.dataSync() as Float32Array, start * d);
      chunk.dispose();
    }
    return out;
  }

  getState(): { weights: NamedTensors; optimizer: NamedTensors; step: number } {
    const weights: NamedTensors = {};
    for (const w of this.model.weights) {
      weights[w.originalName] = { shape: w.shape.slice() as number[], values: (w.read().dataSync() as Float32Array).slice() };
    }
    for (const { name, variable } of this.lossParameters) weights[name] = { shape: variable.shape.slice(), values: (variable.dataSync() as Float32Array).slice() };
    const optimizer: NamedTensors = {};
    for (const slot of this.layout.slots) {
      optimizer[`${slot.name}/adam_m`] = { shape: slot.shape, values: this.adam.m.slice(slot.offset, slot.offset + slot.size) };
      optimizer[`${slot.name}/adam_v`] = { shape: slot.shape, values: this.adam.v.slice(slot.offset, slot.offset + slot.size) };
    }
    return { weights, optimizer, step: this.adam.step };
  }

  setState(state: { weights: NamedTensors; optimizer?: NamedTensors; step?: number }): void {
    const fetch = (table: NamedTensors, name: string, shape: number[], what: string) => {
      const entry = table[name];
      if (entry == null) throw new SiameseError('CHECKPOINT_INVALID', `The checkpoint has no ${what} "${name}"`, { name });
      const size = shape.reduce((a, b) => a * b, 1);
      if (entry.shape.join(',') !== shape.join(',') || entry.values.length !== size) {
        throw new SiameseError(
          'CHECKPOINT_INVALID',
          `The checkpoint's ${what} "${name}" has shape [${entry.shape.join(', ')}], the model needs [${shape.join(', ')}]`,
          { name },
        );
      }
      return entry.values;
    };
    // Validate everything before changing anything, so a bad checkpoint leaves the model as it was.
    const values = this.model.weights.map((w) => fetch(state.weights, w.originalName, w.shape as number[], 'weight'));
    const lossValues = this.lossParameters.map((p) => fetch(state.weights, p.name, p.variable.shape, 'loss parameter'));
    const moments = state.optimizer
      ? this.layout.slots.map((s) => [fetch(state.optimizer!, `${s.name}/adam_m`, s.shape, 'optimizer state'), fetch(state.optimizer!, `${s.name}/adam_v`, s.shape, 'optimizer state')])
      : null;
    const step = state.step ?? 0;
    if (!Number.isInteger(step) || step < 0) throw new SiameseError('CHECKPOINT_INVALID', `Invalid step ${String(step)}`, { step });
    this.sync(); // nothing pending may overwrite the restored values later
    this.model.weights.forEach((w, i) => tf.tidy(() => (w.read() as tf.Variable).assign(tf.tensor(values[i], w.shape as number[]))));
    this.lossParameters.forEach((p, i) => tf.tidy(() => p.variable.assign(tf.tensor(lossValues[i], p.variable.shape))));
    this.weights = readFlat(this.layout);
    readMovingValues(this.moving);
    this.adam.m.fill(0);
    this.adam.v.fill(0);
    if (moments) {
      this.layout.slots.forEach((slot, i) => {
        this.adam.m.set(moments[i][0], slot.offset);
        this.adam.v.set(moments[i][1], slot.offset);
      });
    }
    this.adam.step = step;
  }
}

export function checkImages(images: Float32Array, n: number, perImage: number, where: string): void {
  if (!Number.isInteger(n) || n < 1) throw new SiameseError('INVALID_ARGUMENT', `${where}: n must be a positive integer, got ${String(n)}`, { n });
  if (!(images instanceof Float32Array) || images.length !== n * perImage) {
    throw new SiameseError(
      'INVALID_ARGUMENT',
      `${where}: expected ${n} images × ${perImage} floats = ${n * perImage}, got ${images?.length ?? 'no array'}`,
      { n, length: images?.length },
    );
  }
}

/** The model's batch-norm moving statistics as one flat vector: per layer, `channels` means then `channels` variances. */
interface MovingStatistics {
  values: Float32Array;
  layers: { mean: tf.Variable; variance: tf.Variable; offset: number; channels: number; momentum: number }[];
}

/** Finds them in model order — the order of the whole-batch statistics a step returns — and reads their values. */
function movingStatistics(model: LayersModel): MovingStatistics {
  const layers: MovingStatistics['layers'] = [];
  let offset = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const momentum = Number((layer.getConfig() as { momentum?: number }).momentum ?? 0.99);
    const find = (suffix: string) => layer.weights.find((w) => w.originalName.endsWith('/' + suffix));
    const mean = find('moving_mean');
    const variance = find('moving_variance');
    if (mean == null || variance == null) continue;
    const channels = mean.shape[0] as number;
    layers.push({ mean: mean.read() as tf.Variable, variance: variance.read() as tf.Variable, offset, channels, momentum });
    offset += 2 * channels;
  }
  const moving = { values: new Float32Array(offset), layers };
  readMovingValues(moving);
  return moving;
}

/** Copies the variables' current values into the flat vector (at construction, and after a checkpoint is restored). */
function readMovingValues({ values, layers }: MovingStatistics): void {
  for (const { mean, variance, offset, channels } of layers) {
    values.set(mean.dataSync() as Float32Array, offset);
    values.set(variance.dataSync() as Float32Array, offset + channels);
  }
}
