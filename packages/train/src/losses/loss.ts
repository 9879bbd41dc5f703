/**
 * The small base contract every loss satisfies (pytorch-metric-learning style): a batch of embeddings and its
 * integer class labels in, a scalar out. Miners are separate (see ./miners) so any miner pairs with any
 * tuple-based loss.
 */
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A trainable parameter a loss owns (e.g. class proxies): trained with the network's weights, stored in
 * checkpoints under `name`, never exported — the model file holds the embedding network only.
 */
export interface LossParameter {
  name: string;
  variable: tf.Variable;
  /** Its learning rate as a multiple of the network's (default 1). */
  learningRateScale?: number;
}

/** embeddings: [N, D]; labels: N class ids known on the CPU (they come from the sampler). */
export interface LossFn {
  (embeddings: tf.Tensor2D, labels: Int32Array): tf.Scalar;
  /** The loss's own trainable parameters; absent for losses without any (contrastive, triplet, prototypical). */
  readonly parameters?: readonly LossParameter[];
}

/** What a loss with parameters needs to build them (see createLoss). */
export interface LossContext {
  /** Width of the embeddings the loss will receive. */
  embeddingSize: number;
  /** Seeds the parameters' initial values. */
  seed?: number;
}

export type Mining = 'all' | 'hard' | 'semihard';

export type LossConfig =
  /** Hadsell et al. 2006 on Euclidean distance: same → d², different → max(0, m - d)². */
  | { kind: 'contrastive'; margin: number }
  /** FaceNet: max(0, d(a,p)² - d(a,n)² + α) (or on d; documented in the file) over mined triplets. */
  | { kind: 'triplet'; margin: number; mining: Mining }
  /**
   * Snell et al. 2017: per class, the first half of its examples in the batch are support, the rest query.
   * Logits are −scale·‖q − c‖² (scale default 1). On the unit sphere squared distances lie in [0, 4], so an
   * L2-normalised net needs a larger scale (a temperature, as in cosine-softmax losses) to learn quickly.
   */
  | { kind: 'proto'; scale?: number }
  /**
   * Normalised softmax over one learnt proxy per training class (Zhai & Wu 2019), with CosFace's additive cosine
   * margin (Wang et al. 2018): logits s·(cos(e, p_c) − m·[c = label]). Every image is compared with every class,
   * not only with the batch. `classes` is the number of training classes (labels lie in [0, classes)); the
   * trainer fills it in from the training split when it is absent.
   */
  | { kind: 'proxy'; classes?: number; scale?: number; margin?: number; learningRateScale?: number };
