import { describe, expect, it } from 'vitest';
import { poolFromSet } from '../../src/data/class-pool.js';
import { assembleBatch } from '../../src/sampling/assemble.js';
import { sampleEpisode } from '../../src/sampling/episodes.js';
import { samplePairs } from '../../src/sampling/pairs.js';
import { samplePK } from '../../src/sampling/pk-batch.js';
import { Rng } from '../../src/sampling/rng.js';
import { sampleTriplets } from '../../src/sampling/triplets.js';
import { numberedSet } from './fake-set.js';

describe('Rng', () => {
  it('is repeatable from a seed and from a saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    const saved = a.getState();
    const next = Array.from({ length: 5 }, () => a.next());
    const restored = new Rng(saved);
    expect(Array.from({ length: 5 }, () => restored.next())).toEqual(next);
    expect(new Rng(43).nextUint32()).not.toBe(new Rng(42).nextUint32());
  });

  it('is roughly uniform', () => {
    const rng = new Rng(1);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.int(10)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });
});

describe('samplers', () => {
  const set = numberedSet([5, 5, 5, 5, 3, 20]);
  const pool = poolFromSet(set);

  it('pairs are balanced: half same-class, half different-class', () => {
    const { items, same } = samplePairs(pool, new Rng(1), 1000);
    expect(items.length).toBe(2000);
    expect(same.filter(Boolean).length).toBe(500);
    same.forEach((s, i) => {
      const [a, b] = [items[2 * i], items[2 * i + 1]];
      expect(a.cls === b.cls).toBe(s);
      expect(set.labels[a.image]).toBe(a.cls);
      if (s) expect(a.image).not.toBe(b.image);
    });
  });

  it('triplets: anchor and positive share a class (distinct images), the negative does not', () => {
    const items = sampleTriplets(pool, new Rng(2), 300);
    for (let i = 0; i < 300; i++) {
      const [a, p, n] = items.slice(3 * i, 3 * i + 3);
      expect(a.cls).toBe(p.cls);
      expect(a.image).not.toBe(p.image);
      expect(n.cls).not.toBe(a.cls);
    }
  });

  it('P×K batches: P distinct classes, K distinct images each, grouped by class', () => {
    const items = samplePK(pool, new Rng(3), 4, 3);
    expect(items.length).toBe(12);
    const classes = [0, 1, 2, 3].map((g) => items[3 * g].cls);
    expect(new Set(classes).size).toBe(4);
    for (let g = 0; g < 4; g++) {
      const chunk = items.slice(3 * g, 3 * g + 3);
      expect(chunk.every((it) => it.cls === classes[g])).toBe(true);
      expect(new Set(chunk.map((it) => it.image)).size).toBe(3);
    }
    // Over many batches every class is used about equally.
    const rng = new Rng(4);
    const uses = new Array<number>(6).fill(0);
    for (let i = 0; i < 3000; i++) for (const it of samplePK(pool, rng, 2, 2).filter((_, j) => j % 2 === 0)) uses[it.cls]++;
    for (const u of uses) expect(Math.abs(u - 1000)).toBeLessThan(120);
    expect(() => samplePK(pool, rng, 7, 2)).toThrow(/P = 7/);
  });

  it('assembles the sampled pixels and labels', () => {
    const items = samplePK(pool, new Rng(5), 2, 2);
    const batch = assembleBatch(pool, items);
    expect(batch.n).toBe(4);
    items.forEach((it, i) => {
      expect(batch.labels[i]).toBe(it.cls);
      expect(batch.images[i * 16]).toBe(it.image); // numberedSet fills image k with value k
    });
  });
});

describe('P×K batches from a few groups', () => {
  // Four groups of unequal size: a (5 classes), b (4), c (2), d (1).
  const groups = ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c', 'd'];
  const set = numberedSet(new Array<number>(groups.length).fill(6), groups);
  const pool = poolFromSet(set);
  const groupOf = (cls: number): string => pool.classes[cls].group;

  it('takes the P classes from the requested number of groups, ⌈P/groups⌉ from each, topping up from small groups', () => {
    const rng = new Rng(11);
    const seenGroups = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const items = samplePK(pool, rng, 4, 2, { groups: 2 });
      expect(items.length).toBe(8);
      const classes = [0, 1, 2, 3].map((c) => items[2 * c].cls);
      expect(new Set(classes).size).toBe(4);
      const used = classes.map(groupOf);
      for (const g of used) seenGroups.add(g);
      const counts = [...new Set(used)].map((g) => used.filter((u) => u === g).length);
      // Two groups of 2 when the first groups drawn are big enough; small groups (c: 2, d: 1) make it 3 groups.
      expect(counts.length).toBeLessThanOrEqual(3);
      expect(Math.max(...counts)).toBeLessThanOrEqual(2);
      if (!used.includes('d')) expect(counts).toEqual([2, 2]);
    }
    expect([...seenGroups].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('equals plain P×K with groups 0, and is repeatable from the seed', () => {
    expect(samplePK(pool, new Rng(3), 4, 2, { groups: 0 })).toEqual(samplePK(pool, new Rng(3), 4, 2));
    expect(samplePK(pool, new Rng(5), 6, 2, { groups: 3 })).toEqual(samplePK(pool, new Rng(5), 6, 2, { groups: 3 }));
    // More groups asked for than exist: every class can still be reached (all 12 classes in one batch).
    expect(new Set(samplePK(pool, new Rng(6), 12, 2, { groups: 9 }).map((it) => it.cls)).size).toBe(12);
  });
});

describe('episodes', () => {
  // Two groups: g0 has 6 classes, g1 has 4.
  const set = numberedSet(new Array<number>(10).fill(20), ['g0', 'g0', 'g0', 'g0', 'g0', 'g0', 'g1', 'g1', 'g1', 'g1']);
  const pool = poolFromSet(set);
  const classes = pool.classes.map((c) => ({ group: c.group, members: c.images, drawers: c.images.map((i) => set.drawers[i]) }));

  it('random K-way N-shot: K distinct classes, disjoint support and query from each', () => {
    const ep = sampleEpisode(classes, new Rng(1), { way: 5, shot: 3, query: 2 });
    expect(new Set(ep.classes).size).toBe(5);
    ep.classes.forEach((c, k) => {
      expect(ep.support[k].length).toBe(3);
      expect(ep.query[k].length).toBe(2);
      const all = [...ep.support[k], ...ep.query[k]];
      expect(new Set(all).size).toBe(5);
      for (const m of all) expect(set.labels[m]).toBe(c);
    });
  });

  it('within-group episodes take every class from one group; Lake’s drawer split uses one drawer each', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 50; i++) {
      const ep = sampleEpisode(classes, rng, { way: 5, shot: 1, query: 1, withinGroup: true, drawerSplit: true });
      // Only g0 has 5 classes.
      expect(ep.classes.every((c) => classes[c].group === 'g0')).toBe(true);
      const supportDrawers = new Set(ep.support.flat().map((m) => set.drawers[m]));
      const queryDrawers = new Set(ep.query.flat().map((m) => set.drawers[m]));
      expect(supportDrawers.size).toBe(1);
      expect(queryDrawers.size).toBe(1);
      expect([...supportDrawers][0]).not.toBe([...queryDrawers][0]);
    }
    expect(() => sampleEpisode(classes, rng, { way: 7, shot: 1, withinGroup: true })).toThrow(/no group/);
  });
});
