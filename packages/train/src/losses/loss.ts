/**
 * The small base contract every loss satisfies (pytorch-metric-learning style): a batch of embeddings and its
 * integer class labels in, a scalar out. Miners are separate (see ./miners) so any miner pairs with any
 * tuple-based loss.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** embeddings: [N, D]; labels: N class ids known on the CPU (they come from the sampler). */
export type LossFn = (embeddings: tf.Tensor2D, labels: Int32Array) => tf.Scalar;

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
  | { kind: 'proto'; scale?: number };
