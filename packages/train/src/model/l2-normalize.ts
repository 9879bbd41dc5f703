/**
 * L2Normalize: y = x / sqrt(max(Σ x², ε)) along the last axis. A tfjs-layers layer registered for serialisation
 * under className 'L2Normalize', so saved models load back and the ONNX exporter can recognise it by name.
 * The max(·, ε) keeps the value and the gradient finite for an all-zero row.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

export interface L2NormalizeArgs extends LayerArgs {
  /** Floor under the squared norm. */
  epsilon?: number;
}

export const L2_NORMALIZE_EPSILON = 1e-12;

/**
 * The same normalisation in plain JS over the rows of an [n × dim] array, in place: x · 1/√max(Σx², ε) per row —
 * for embeddings computed outside a graph (test-time views, calibration), so they match what the layer gives.
 */
export function normalizeRowsInPlace(values: Float32Array, dim: number, epsilon = L2_NORMALIZE_EPSILON): Float32Array {
  for (let r = 0; r + dim <= values.length; r += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += values[r + j] ** 2;
    const k = 1 / Math.sqrt(Math.max(s, epsilon));
    for (let j = 0; j < dim; j++) values[r + j] *= k;
  }
  return values;
}

/** The L2 normalisation as a tensor function (also used by the training graph). */
export function l2Normalize(x: tf.Tensor, epsilon = L2_NORMALIZE_EPSILON): tf.Tensor {
  return tf.tidy(() => {
    const squaredNorm = tf.sum(tf.square(x), -1, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(squaredNorm, tf.scalar(epsilon))));
  });
}

export class L2Normalize extends layers.Layer {
  static readonly className = 'L2Normalize';
  readonly epsilon: number;

  constructor(args: L2NormalizeArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? L2_NORMALIZE_EPSILON;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return l2Normalize(x, this.epsilon);
  }

  override computeOutputShape(inputShape: Parameters<layers.Layer['computeOutputShape']>[0]) {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(L2Normalize);
