/**
 * The evaluation suite: embed a pool once (inference mode), then run few-shot tasks and verification on the
 * embeddings. Used for validation during training (a single quick task) and for the final report.
 */
import { imageLength } from '../data/image-set.js';
import type { ClassPool } from '../data/class-pool.js';
import { copyImage } from '../data/class-pool.js';
import type { EpisodeClass } from '../sampling/episodes.js';
import { canRunWithinGroup, fewShotAccuracy, type FewShotMethod, type FewShotResult } from './few-shot.js';
import { verificationMetrics, verificationPairs, type VerificationResult } from './verification.js';

/** Embeds images [n × H × W × C] → [n × D] (e.g. `stepper.embed`). */
export type EmbedFn = (images: Float32Array, n: number) => Promise<Float32Array>;

export interface EmbeddedPool {
  embeddings: Float32Array;
  dim: number;
  n: number;
  /** Per pool class: its group and the rows of `embeddings` (with drawers) that belong to it. */
  classes: EpisodeClass[];
}

/** Embeds every image of a pool, `chunk` images at a time. */
export async function embedPool(embed: EmbedFn, pool: ClassPool, options: { chunk?: number; maxPerClass?: number } = {}): Promise<EmbeddedPool> {
  const chunk = options.chunk ?? 1024;
  const maxPerClass = options.maxPerClass ?? Infinity;
  const size = imageLength(pool.set);
  const refs: { image: number; cls: number }[] = [];
  const classes: EpisodeClass[] = pool.classes.map((c, cls) => {
    const members: number[] = [];
    const drawers: number[] = [];
    for (const image of c.images.slice(0, maxPerClass)) {
      members.push(refs.length);
      drawers.push(pool.set.drawers[image]);
      refs.push({ image, cls });
    }
    return { group: c.group, members, drawers };
  });
  let embeddings = new Float32Array(0);
  let dim = 0;
  for (let start = 0; start < refs.length; start += chunk) {
    const part = refs.slice(start, start + chunk);
    const images = new Float32Array(part.length * size);
    part.forEach((r, i) => copyImage(pool.set, r.image, pool.classes[r.cls].rotation, images, i * size));
    const out = await embed(images, part.length);
    if (start === 0) {
      dim = out.length / part.length;
      embeddings = new Float32Array(refs.length * dim);
    }
    embeddings.set(out, start * dim);
  }
  return { embeddings, dim, n: refs.length, classes };
}

export interface FewShotTask {
  way: number;
  shot: number;
  withinGroup?: boolean;
  /** Lake's protocol: support and query from two different drawers (1-shot). */
  drawerSplit?: boolean;
  method?: FewShotMethod;
}

/** Episode seed of a report when none is given; its verification pairs use `verificationSeed(seed)`. */
export const DEFAULT_EVALUATION_SEED = 1234;

/** The seed of a report's verification pairs: scripts that score the same pairs (eval-sdk) call this. */
export function verificationSeed(seed: number = DEFAULT_EVALUATION_SEED): number {
  return seed + 1;
}

export interface EvaluationOptions {
  tasks?: FewShotTask[];
  /** Episodes per task (≥ 1,000 for a report). */
  episodes?: number;
  verificationPairs?: number;
  seed?: number;
}

export interface EvaluationReport {
  images: number;
  classes: number;
  fewShot: FewShotResult[];
  verification?: VerificationResult;
  /** Tasks that could not run on this data, with the reason. */
  skipped: string[];
}

export const REPORT_TASKS: FewShotTask[] = [
  { way: 5, shot: 1 },
  { way: 5, shot: 5 },
  { way: 20, shot: 1 },
  { way: 20, shot: 5 },
  { way: 5, shot: 5, method: 'nearest' },
  { way: 20, shot: 1, withinGroup: true, drawerSplit: true },
];

export function taskName(t: FewShotTask | FewShotResult): string {
  const method = t.method && t.method !== 'prototype' ? `_${t.method}` : '';
  return `${t.withinGroup ? 'within' : 'random'}_${t.way}way_${t.shot}shot${t.drawerSplit ? '_lake' : ''}${method}`;
}

export function evaluateEmbedded(e: EmbeddedPool, options: EvaluationOptions = {}): EvaluationReport {
  const tasks = options.tasks ?? REPORT_TASKS;
  const episodes = options.episodes ?? 1000;
  const fewShot: FewShotResult[] = [];
  const skipped: string[] = [];
  for (const task of tasks) {
    const opts = { ...task, query: 1, episodes, seed: options.seed ?? DEFAULT_EVALUATION_SEED };
    const need = task.shot + 1;
    const enough = e.classes.filter((c) => c.members.length >= need).length;
    if (enough < task.way || (task.withinGroup && !canRunWithinGroup(e.classes, opts))) {
      skipped.push(`${taskName(task)}: not enough classes (${enough} with ${need}+ images${task.withinGroup ? ' in one group' : ''})`);
      continue;
    }
    if (task.drawerSplit && !e.classes.every((c) => c.drawers?.some((d) => d >= 0))) {
      skipped.push(`${taskName(task)}: the images have no drawer ids`);
      continue;
    }
    fewShot.push(fewShotAccuracy(e.embeddings, e.dim, e.classes, opts));
  }
  let verification: VerificationResult | undefined;
  const pairs = options.verificationPairs ?? 10_000;
  if (pairs > 0 && e.classes.filter((c) => c.members.length >= 2).length >= 2) {
    const { distances, same } = verificationPairs(e.embeddings, e.dim, e.classes, pairs, verificationSeed(options.seed));
    verification = verificationMetrics(distances, same);
  }
  return { images: e.n, classes: e.classes.length, fewShot, verification, skipped };
}
