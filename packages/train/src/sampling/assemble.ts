/**
 * Sampled images → the ImageBatch a training step consumes: copy pixels (applying class rotations), optionally
 * distort each image (Koch affine), label with the pool class index.
 */
import { augmentBatch, backgroundValues, KOCH_AFFINE, type AffineOptions } from '../augment/affine.js';
import { copyImage, type ClassPool } from '../data/class-pool.js';
import { imageLength } from '../data/image-set.js';
import type { ImageBatch } from '../train/stepper.js';
import type { Rng } from './rng.js';
import type { SampledImage } from './sampled-image.js';

export interface AssembleOptions {
  /** Affine distortions; undefined = none. */
  augment?: AffineOptions;
  rng?: Rng;
}

export function assembleBatch(pool: ClassPool, items: SampledImage[], options: AssembleOptions = {}): ImageBatch {
  const size = imageLength(pool.set);
  const images = new Float32Array(items.length * size);
  const labels = new Int32Array(items.length);
  items.forEach((item, i) => {
    copyImage(pool.set, item.image, pool.classes[item.cls].rotation, images, i * size);
    labels[i] = item.cls;
  });
  if (options.augment) {
    if (!options.rng) throw new RangeError('augmentation needs an rng');
    const { width, channels } = pool.set.input;
    augmentBatch(images, items.length, width, channels, options.rng, backgroundValues(pool.set.preprocess, channels), options.augment ?? KOCH_AFFINE);
  }
  return { images, labels, n: items.length };
}
