/**
 * Random triplets (anchor, positive, negative) for offline triplet training; flat as [a0, p0, n0, a1, ...].
 * Online mining (batch-all / hard / semi-hard) instead uses P×K batches (./pk-batch.ts) and the loss's miner.
 */
import type { ClassPool } from '../data/class-pool.js';
import type { Rng } from './rng.js';
import type { SampledImage } from './sampled-image.js';

export function sampleTriplets(pool: ClassPool, rng: Rng, triplets: number): SampledImage[] {
  if (pool.classes.length < 2) throw new RangeError('triplets need at least 2 classes');
  const items: SampledImage[] = [];
  for (let i = 0; i < triplets; i++) {
    const a = rng.int(pool.classes.length);
    let b = rng.int(pool.classes.length - 1);
    if (b >= a) b++;
    const [anchor, positive] = rng.sample(pool.classes[a].images, 2);
    items.push({ cls: a, image: anchor }, { cls: a, image: positive }, { cls: b, image: rng.pick(pool.classes[b].images) });
  }
  return items;
}
