/**
 * P×K class-balanced batches (Hermans et al. 2017): P distinct classes, K images each, grouped by class in batch
 * order. Every anchor has K-1 positives and (P-1)·K negatives, which online triplet mining needs; the
 * prototypical loss reads the first half of each class's images as support and the rest as query.
 * Images within a class are distinct when the class has ≥ K of them, else drawn with replacement.
 *
 * With `groups` set, the P classes come from that many groups (Omniglot alphabets) instead of the whole pool, so
 * most negatives in a batch are characters of the same alphabet — the confusions Lake's within-alphabet task
 * tests, which random batches almost never contain (a random 32-class batch over 96 alphabet×rotation groups
 * rarely holds two characters of one alphabet).
 */
import type { ClassPool } from '../data/class-pool.js';
import type { Rng } from './rng.js';
import type { SampledImage } from './sampled-image.js';

export interface PKOptions {
  /** Draw the P classes from this many groups (about P / groups from each); 0 or absent = from the whole pool. */
  groups?: number;
}

export function samplePK(pool: ClassPool, rng: Rng, p: number, k: number, options: PKOptions = {}): SampledImage[] {
  if (p > pool.classes.length) throw new RangeError(`P = ${p} classes requested, the pool has ${pool.classes.length}`);
  const classes = options.groups ? groupedClasses(pool, rng, p, options.groups) : rng.sample(pool.classes.map((_, i) => i), p);
  const items: SampledImage[] = [];
  for (const cls of classes) {
    const images = pool.classes[cls].images;
    const chosen = images.length >= k ? rng.sample(images, k) : Array.from({ length: k }, () => rng.pick(images));
    for (const image of chosen) items.push({ cls, image });
  }
  return items;
}

const classesByGroup = new WeakMap<ClassPool, number[][]>();

/** P distinct classes from `groups` random groups, ⌈P / groups⌉ from each; groups too small to give their share are topped up from further groups (and, if all are too small, from any class). */
function groupedClasses(pool: ClassPool, rng: Rng, p: number, groups: number): number[] {
  let byGroup = classesByGroup.get(pool);
  if (!byGroup) {
    const index = new Map<string, number[]>();
    pool.classes.forEach((c, i) => {
      const list = index.get(c.group);
      if (list) list.push(i);
      else index.set(c.group, [i]);
    });
    byGroup = [...index.values()];
    classesByGroup.set(pool, byGroup);
  }
  const share = Math.ceil(p / Math.min(groups, byGroup.length));
  const chosen: number[] = [];
  for (const g of rng.sample(byGroup.map((_, i) => i), byGroup.length)) {
    if (chosen.length === p) break;
    const members = byGroup[g];
    chosen.push(...rng.sample(members, Math.min(share, members.length, p - chosen.length)));
  }
  if (chosen.length < p) {
    // Every group gave its share and P is still not reached (few, small groups): the rest from any class left.
    const taken = new Set(chosen);
    chosen.push(...rng.sample(pool.classes.map((_, i) => i).filter((i) => !taken.has(i)), p - chosen.length));
  }
  return chosen;
}
