/**
 * Seeded, class-disjoint train/validation splits. When the classes have groups (Omniglot alphabets) whole groups
 * are held out, so validation measures generalisation to new alphabets, as the evaluation set does; otherwise
 * classes are held out individually.
 */
import { SiameseError } from '@siamese-sdk/core';
import { Rng } from '../sampling/rng.js';
import { poolFromSet, type ClassPool } from './class-pool.js';
import type { ImageSet } from './image-set.js';

export interface SplitOptions {
  /**
   * Fraction of groups (or classes) held out for validation, in [0, 1). Default 0.2. 0 holds nothing out: a final
   * fit on every class, once the recipe has been chosen on a split (the validation pool is then empty).
   */
  valFraction?: number;
  /** Hold out exactly these groups (Omniglot alphabets) instead of a random fraction. */
  valGroups?: string[];
  seed?: number;
}

export interface DataSplit {
  train: ClassPool;
  val: ClassPool;
  /** What to record in a checkpoint to recreate the split. */
  description: {
    by: 'group' | 'class';
    seed: number;
    valFraction: number;
    valGroups: string[];
    trainClasses: number;
    valClasses: number;
    /** The held-out classes by name (sorted), so a later eval, export or resume can tell the data changed under it. */
    valClassNames: string[];
  };
}

export function splitTrainVal(set: ImageSet, options: SplitOptions = {}): DataSplit {
  const seed = options.seed ?? 0;
  const valFraction = options.valFraction ?? 0.2;
  if (!(valFraction >= 0 && valFraction < 1)) throw new SiameseError('INVALID_ARGUMENT', `valFraction must be in [0, 1), got ${valFraction}`);
  const groups = [...new Set(set.classes.map((c) => c.group))].sort();
  const byGroup = groups.length > 1 || options.valGroups !== undefined;
  const rng = new Rng(seed ^ 0x5eed5);
  let valIds: Set<number>;
  let valGroups: string[] = [];
  if (valFraction === 0 && options.valGroups === undefined) {
    valIds = new Set();
  } else if (byGroup) {
    if (options.valGroups) {
      const unknown = options.valGroups.filter((g) => !groups.includes(g));
      if (unknown.length) throw new SiameseError('INVALID_ARGUMENT', `unknown validation group(s): ${unknown.join(', ')}`);
      valGroups = [...options.valGroups].sort();
    } else {
      const k = Math.min(groups.length - 1, Math.max(1, Math.round(groups.length * valFraction)));
      valGroups = rng.sample(groups, k).sort();
    }
    valIds = new Set(set.classes.flatMap((c, i) => (valGroups.includes(c.group) ? [i] : [])));
  } else {
    const ids = set.classes.map((_, i) => i);
    const k = Math.min(ids.length - 2, Math.max(2, Math.round(ids.length * valFraction)));
    if (k < 2) throw new SiameseError('DATASET_INVALID', `${set.source}: ${ids.length} classes are too few to hold out validation classes (need ≥ 4)`);
    valIds = new Set(rng.sample(ids, k));
  }
  const trainIds = set.classes.map((_, i) => i).filter((i) => !valIds.has(i));
  const valList = [...valIds].sort((a, b) => a - b);
  if (trainIds.length < 2) throw new SiameseError('DATASET_INVALID', `${set.source}: the split leaves ${trainIds.length} training classes`);
  return {
    train: poolFromSet(set, trainIds),
    val: poolFromSet(set, valList),
    description: {
      by: byGroup ? 'group' : 'class',
      seed,
      valFraction,
      valGroups,
      trainClasses: trainIds.length,
      valClasses: valList.length,
      valClassNames: valList.map((i) => set.classes[i].name).sort(),
    },
  };
}

/** A pool restricted to some groups (e.g. a few Omniglot alphabets for a quick run). */
export function restrictToGroups(pool: ClassPool, groups: string[]): ClassPool {
  const known = new Set(pool.classes.map((c) => c.group));
  const unknown = groups.filter((g) => !known.has(g));
  if (unknown.length) throw new SiameseError('INVALID_ARGUMENT', `unknown group(s): ${unknown.join(', ')}`);
  return { set: pool.set, classes: pool.classes.filter((c) => groups.includes(c.group)) };
}

/**
 * Checks that the split made now from a run's recorded data options is the split the run was trained with. The split
 * is redone from the seed on whatever the dataset holds today, so a class added, removed or renamed since would move
 * training classes into the validation split (and evaluate, calibrate or resume on them) without a word.
 */
export function assertSameSplit(recorded: unknown, now: DataSplit['description'], runDir: string): void {
  if (typeof recorded !== 'object' || recorded === null) return; // runs recorded before splits were described
  const before = recorded as Partial<DataSplit['description']>;
  const names = (list: string[]) => (list.length > 6 ? `${list.slice(0, 6).join(', ')}, … (${list.length})` : list.join(', '));
  const problems: string[] = [];
  if (before.trainClasses !== undefined && before.trainClasses !== now.trainClasses) problems.push(`${before.trainClasses} training classes then, ${now.trainClasses} now`);
  if (before.valClasses !== undefined && before.valClasses !== now.valClasses) problems.push(`${before.valClasses} validation classes then, ${now.valClasses} now`);
  if (Array.isArray(before.valClassNames) && before.valClassNames.join('\n') !== now.valClassNames.join('\n')) {
    problems.push(`validation classes then: ${names(before.valClassNames)}; now: ${names(now.valClassNames)}`);
  }
  if (problems.length) {
    throw new SiameseError('DATASET_INVALID', `the dataset changed since ${runDir} was trained, so its split cannot be redone (${problems.join('; ')}); use the data it was trained on`, { run: runDir });
  }
}
