/**
 * Balanced positive/negative pairs for contrastive training: half the pairs from one class, half from two
 * different classes, classes drawn uniformly. Returned flat as [a0, b0, a1, b1, ...] with a `same` flag per pair.
 */
import type { ClassPool } from '../data/class-pool.js';
import type { Rng } from './rng.js';
import type { SampledImage } from './sampled-image.js';

export interface PairBatch {
  items: SampledImage[];
  same: boolean[];
}

export function samplePairs(pool: ClassPool, rng: Rng, pairs: number): PairBatch {
  if (pool.classes.length < 2) throw new RangeError('pairs need at least 2 classes');
  const items: SampledImage[] = [];
  const same: boolean[] = [];
  const pick = (cls: number): SampledImage => ({ cls, image: rng.pick(pool.classes[cls].images) });
  for (let i = 0; i < pairs; i++) {
    // Alternate so every batch is exactly balanced (odd counts: one extra positive).
    const positive = i % 2 === 0;
    const a = rng.int(pool.classes.length);
    if (positive) {
      const [x, y] = rng.sample(pool.classes[a].images, 2);
      items.push({ cls: a, image: x }, { cls: a, image: y });
    } else {
      let b = rng.int(pool.classes.length - 1);
      if (b >= a) b++;
      items.push(pick(a), pick(b));
    }
    same.push(positive);
  }
  return { items, same };
}
