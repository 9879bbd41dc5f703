/**
 * P×K class-balanced batches (Hermans et al. 2017): P distinct classes, K images each, grouped by class in batch
 * order. Every anchor has K-1 positives and (P-1)·K negatives, which online triplet mining needs; the
 * prototypical loss reads the first half of each class's images as support and the rest as query.
 * Images within a class are distinct when the class has ≥ K of them, else drawn with replacement.
 */
import type { ClassPool } from '../data/class-pool.js';
import type { Rng } from './rng.js';
import type { SampledImage } from './sampled-image.js';

export function samplePK(pool: ClassPool, rng: Rng, p: number, k: number): SampledImage[] {
  if (p > pool.classes.length) throw new RangeError(`P = ${p} classes requested, the pool has ${pool.classes.length}`);
  const items: SampledImage[] = [];
  for (const cls of rng.sample(pool.classes.map((_, i) => i), p)) {
    const images = pool.classes[cls].images;
    const chosen = images.length >= k ? rng.sample(images, k) : Array.from({ length: k }, () => rng.pick(images));
    for (const image of chosen) items.push({ cls, image });
  }
  return items;
}
