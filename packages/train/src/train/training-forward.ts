/**
 * The training-mode forward pass of an embedding network, interpreted layer by layer from the LayersModel's own
 * variables (so gradients reach them) instead of `model.apply(x, { training: true })`, for three reasons:
 *  - batch-norm statistics can be computed over the whole batch across data-parallel replicas (sync batch norm:
 *    sums all-reduced), so the loss does not depend on how the batch is split;
 *  - batch norm (fused with the ReLU after it) has a closed-form gradient written with broadcasts and
 *    leading-axis sums (tfjs' FusedBatchNorm gradient tiles and is slow on wasm) — see batch-norm-training.ts;
 *  - moving statistics are not updated as a side effect; the stepper updates them once per step from the
 *    returned batch statistics.
 * Supported layers are those buildEmbeddingNet uses; anything else is rejected rather than silently mis-trained.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SiameseError } from '@siamese-sdk/core';
import { l2Normalize, L2_NORMALIZE_EPSILON } from '../model/l2-normalize.js';
import type { Collective } from './collective.js';
import { gatherRows } from './collective-ops.js';
import { batchNormTraining } from './batch-norm-training.js';

type LayerLike = LayersModel['layers'][number];

export interface BatchNormStatistics {
  /** Layer name. */
  layer: string;
  mean: tf.Tensor1D;
  /** Biased (population) variance over the whole batch, as tfjs-layers uses for its moving variance. */
  variance: tf.Tensor1D;
}

export interface TrainingForwardResult {
  /** Embeddings of the whole batch (every replica's rows, in rank order). */
  embeddings: tf.Tensor2D;
  batchNorm: BatchNormStatistics[];
}

function variableOf(layer: LayerLike, suffix: string): tf.Variable | null {
  const w = layer.weights.find((v) => v.originalName.endsWith('/' + suffix));
  return w ? (w.read() as tf.Variable) : null;
}

function config(layer: LayerLike): Record<string, unknown> {
  return layer.getConfig() as Record<string, unknown>;
}

function unsupported(layer: LayerLike, what: string): never {
  throw new SiameseError('INVALID_ARGUMENT', `Training does not support layer ${layer.name} (${layer.getClassName()}): ${what}`, {
    layer: layer.name,
  });
}

function pair(value: unknown): [number, number] {
  return Array.isArray(value) ? [Number(value[0]), Number(value[1])] : [Number(value), Number(value)];
}

function checkLinear(layer: LayerLike): void {
  const activation = config(layer).activation;
  if (activation !== undefined && activation !== 'linear') unsupported(layer, `activation ${String(activation)}`);
}

function conv2d(layer: LayerLike, x: tf.Tensor4D): tf.Tensor4D {
  const c = config(layer);
  checkLinear(layer);
  if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') unsupported(layer, 'channelsFirst');
  const kernel = variableOf(layer, 'kernel');
  if (kernel == null) unsupported(layer, 'no kernel');
  let y = tf.conv2d(x, kernel as tf.Tensor4D, pair(c.strides), c.padding as 'same' | 'valid', 'NHWC', pair(c.dilationRate ?? 1));
  const bias = c.useBias ? variableOf(layer, 'bias') : null;
  if (bias != null) y = tf.add(y, bias);
  return y;
}

function batchNorm(
  layer: LayerLike,
  x: tf.Tensor,
  collective: Collective,
  globalRows: number,
  stats: BatchNormStatistics[],
  relu: boolean,
): tf.Tensor {
  const c = config(layer);
  const axis = Number(c.axis);
  if (axis !== -1 && axis !== x.rank - 1) unsupported(layer, `axis ${axis}`);
  const perRow = x.shape.slice(1, -1).reduce((a, b) => a * b, 1);
  const result = batchNormTraining(x, variableOf(layer, 'gamma') as tf.Tensor1D | null, variableOf(layer, 'beta') as tf.Tensor1D | null, {
    epsilon: Number(c.epsilon),
    count: globalRows * perRow,
    relu,
    collective,
  });
  stats.push({ layer: layer.name, mean: tf.keep(result.mean), variance: tf.keep(result.variance) });
  return result.y;
}

/** A ReLU without options (the one buildEmbeddingNet puts after each batch norm), which can be fused into it. */
function isPlainRelu(layer: LayerLike | undefined): boolean {
  if (layer == null) return false;
  const c = config(layer);
  if (layer.getClassName() === 'ReLU') return c.maxValue == null;
  return layer.getClassName() === 'Activation' && c.activation === 'relu';
}

function maxPool(layer: LayerLike, x: tf.Tensor4D): tf.Tensor4D {
  const c = config(layer);
  if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') unsupported(layer, 'channelsFirst');
  const pool = pair(c.poolSize);
  return tf.maxPool(x, pool, pair(c.strides ?? pool), c.padding as 'same' | 'valid');
}

function dense(layer: LayerLike, x: tf.Tensor2D): tf.Tensor2D {
  checkLinear(layer);
  const kernel = variableOf(layer, 'kernel');
  if (kernel == null) unsupported(layer, 'no kernel');
  let y: tf.Tensor2D = tf.matMul(x, kernel as tf.Tensor2D);
  const bias = config(layer).useBias ? variableOf(layer, 'bias') : null;
  if (bias != null) y = tf.add(y, bias) as tf.Tensor2D;
  return y;
}

function relu(layer: LayerLike, x: tf.Tensor): tf.Tensor {
  const c = config(layer);
  if (layer.getClassName() === 'Activation' && c.activation !== 'relu') unsupported(layer, `activation ${String(c.activation)}`);
  if (layer.getClassName() === 'ReLU' && c.maxValue != null) unsupported(layer, 'maxValue');
  return tf.relu(x);
}

/**
 * Runs the network on this replica's rows `x` in training mode. `globalRows` = rows of the whole batch over all
 * replicas (the batch-norm count). Call inside a tidy/gradient scope; the batch-norm statistics are kept (the
 * caller disposes them).
 */
export function trainingForward(
  model: LayersModel,
  x: tf.Tensor4D,
  collective: Collective,
  globalRows: number,
): TrainingForwardResult {
  const stats: BatchNormStatistics[] = [];
  let h: tf.Tensor = x;
  const layers = model.layers;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    switch (layer.getClassName()) {
      case 'InputLayer':
        break;
      case 'Conv2D':
        h = conv2d(layer, h as tf.Tensor4D);
        break;
      case 'BatchNormalization': {
        const fuseRelu = isPlainRelu(layers[i + 1]);
        h = batchNorm(layer, h, collective, globalRows, stats, fuseRelu);
        if (fuseRelu) i++;
        break;
      }
      case 'ReLU':
      case 'Activation':
        h = relu(layer, h);
        break;
      case 'MaxPooling2D':
        h = maxPool(layer, h as tf.Tensor4D);
        break;
      case 'Flatten':
        h = tf.reshape(h, [h.shape[0], -1]);
        break;
      case 'Dense':
        h = dense(layer, h as tf.Tensor2D);
        break;
      case 'L2Normalize':
        h = l2Normalize(h, Number(config(layer).epsilon ?? L2_NORMALIZE_EPSILON));
        break;
      default:
        unsupported(layer, 'layer type');
    }
  }
  if (h.rank !== 2) throw new SiameseError('INVALID_ARGUMENT', `The network must output [N, D] embeddings, got rank ${h.rank}`);
  return { embeddings: gatherRows(h as tf.Tensor2D, collective), batchNorm: stats };
}
