/**
 * K-way N-shot episodes over any labelled collection (training pools or embedded evaluation images):
 * - random: `way` classes from anywhere, `shot` support and `query` query items per class, all distinct;
 * - within-group (Lake et al. 2015's protocol when `drawerSplit` is on): all classes from one group (alphabet)
 *   and, for each episode, one drawer supplies every support image and another drawer every query image.
 */
import type { Rng } from './rng.js';

export interface EpisodeClass {
  group: string;
  /** Item ids (image indices, or rows of an embedding matrix). */
  members: number[];
  /** Drawer per member (same order), needed for `drawerSplit`. */
  drawers?: number[];
}

export interface EpisodeOptions {
  way: number;
  shot: number;
  /** Query items per class. Default 1. */
  query?: number;
  /** Draw all classes from one group. */
  withinGroup?: boolean;
  /** Support from one drawer, queries from another (requires `drawers` and shot = query = 1). */
  drawerSplit?: boolean;
}

export interface Episode {
  /** Source class per episode class (0..way-1). */
  classes: number[];
  /** support[c] = item ids of episode class c. */
  support: number[][];
  query: number[][];
}

/** Groups of `classes` that can host a within-group episode of `way` classes. */
export function eligibleGroups(classes: EpisodeClass[], options: EpisodeOptions): string[] {
  const need = options.shot + (options.query ?? 1);
  const counts = new Map<string, number>();
  for (const c of classes) if (c.members.length >= need) counts.set(c.group, (counts.get(c.group) ?? 0) + 1);
  return [...counts].filter(([, n]) => n >= options.way).map(([g]) => g).sort();
}

export function sampleEpisode(classes: EpisodeClass[], rng: Rng, options: EpisodeOptions): Episode {
  const { way, shot } = options;
  const query = options.query ?? 1;
  const need = shot + query;
  let candidates = classes.map((_, i) => i).filter((i) => classes[i].members.length >= need);
  if (options.withinGroup) {
    const groups = eligibleGroups(classes, options);
    if (groups.length === 0) throw new RangeError(`no group has ${way} classes with ${need} items each`);
    const group = rng.pick(groups);
    candidates = candidates.filter((i) => classes[i].group === group);
  }
  if (candidates.length < way) throw new RangeError(`a ${way}-way episode needs ${way} classes with ${need} items each; ${candidates.length} available`);
  const chosen = rng.sample(candidates, way);
  if (options.drawerSplit) {
    if (shot !== 1 || query !== 1) throw new RangeError('drawerSplit episodes are 1-shot with 1 query per class');
    // Drawers shared by every chosen class; Omniglot has all 20 for every character.
    let shared = new Set(classes[chosen[0]].drawers ?? []);
    for (const c of chosen.slice(1)) shared = new Set((classes[c].drawers ?? []).filter((d) => shared.has(d)));
    const drawers = [...shared].filter((d) => d >= 0).sort((a, b) => a - b);
    if (drawers.length < 2) throw new RangeError('drawerSplit needs two drawers common to all classes');
    const [ds, dq] = rng.sample(drawers, 2);
    const memberOf = (c: number, d: number): number => classes[c].members[classes[c].drawers!.indexOf(d)];
    return { classes: chosen, support: chosen.map((c) => [memberOf(c, ds)]), query: chosen.map((c) => [memberOf(c, dq)]) };
  }
  const support: number[][] = [];
  const queries: number[][] = [];
  for (const c of chosen) {
    const items = rng.sample(classes[c].members, need);
    support.push(items.slice(0, shot));
    queries.push(items.slice(shot));
  }
  return { classes: chosen, support, query: queries };
}
