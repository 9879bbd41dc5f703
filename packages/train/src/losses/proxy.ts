/**
 * Proxy (normalised-softmax) loss: one learnt proxy vector per training class, and each embedding classified
 * against all of them by cosine similarity (Zhai & Wu 2019, "Classification is a strong baseline for deep metric
 * learning"), with CosFace's additive margin on the true class (Wang et al. 2018):
 *
 *   L = −1/N · Σ_i log softmax_c( s · (cos(e_i, p_c) − m·[c = y_i]) )[y_i]
 *
 * Pair and triplet losses learn only from the few classes in a batch; here every image pushes against every
 * class's proxy. Embeddings and proxies are L2-normalised inside the loss, so only directions matter and the scale
 * s sets the softmax temperature. At test time the proxies are dropped: the embedding is compared with support
 * images, as for every other loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SiameseError } from '@siamese-sdk/core';
import { l2Normalize } from '../model/l2-normalize.js';
import type { LossFn, LossParameter } from './loss.js';

export interface ProxyLossOptions {
  classes: number;
  embeddingSize: number;
  /** Softmax scale (inverse temperature), default 16. */
  scale?: number;
  /** Additive cosine margin on the true class, default 0.1. */
  margin?: number;
  /** The proxies' learning rate as a multiple of the network's, default 1. */
  learningRateScale?: number;
  seed?: number;
}

export const PROXY_DEFAULTS = { scale: 16, margin: 0.1, learningRateScale: 1 } as const;

/** Name of the proxies [classes, embeddingSize] in checkpoints. */
export const PROXIES_NAME = 'loss/proxies';

export function proxyLoss(options: ProxyLossOptions): LossFn {
  const { classes, embeddingSize } = options;
  const scale = options.scale ?? PROXY_DEFAULTS.scale;
  const margin = options.margin ?? PROXY_DEFAULTS.margin;
  // Random directions: unit-scale rows (std 1/√D per value), so Adam's per-value steps turn them at a useful rate.
  const variable = tf.variable(tf.randomNormal([classes, embeddingSize], 0, 1 / Math.sqrt(embeddingSize), 'float32', options.seed ?? 0), true);
  const learningRateScale = options.learningRateScale ?? PROXY_DEFAULTS.learningRateScale;
  const parameters: readonly LossParameter[] = [{ name: PROXIES_NAME, variable, learningRateScale }];
  const fn = (embeddings: tf.Tensor2D, labels: Int32Array): tf.Scalar =>
    tf.tidy(() => {
      if (embeddings.shape[1] !== embeddingSize) {
        throw new SiameseError('INVALID_ARGUMENT', `Proxy loss: embeddings have width ${embeddings.shape[1]}, the proxies ${embeddingSize}`, {
          width: embeddings.shape[1],
        });
      }
      for (let i = 0; i < labels.length; i++) {
        if (!(labels[i] >= 0 && labels[i] < classes)) {
          throw new SiameseError('INVALID_ARGUMENT', `Proxy loss: label ${labels[i]} is outside the ${classes} training classes`, { label: String(labels[i]) });
        }
      }
      const n = labels.length;
      const cosines = tf.matMul(l2Normalize(embeddings) as tf.Tensor2D, l2Normalize(variable) as tf.Tensor2D, false, true); // [N, C]
      const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), classes); // [N, C]
      const logits = tf.mul(margin === 0 ? cosines : tf.sub(cosines, tf.mul(targets, margin)), scale);
      return tf.div(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)))), n) as tf.Scalar;
    });
  return Object.assign(fn, { parameters });
}
