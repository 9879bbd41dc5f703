/**
 * K-way N-shot classification accuracy over many episodes, from precomputed embeddings (pure: no tensors).
 * 'prototype' classifies each query to the nearest class mean of its support embeddings (Snell et al. 2017);
 * 'nearest' to the class of the single nearest support embedding. Identical for 1-shot. Squared Euclidean
 * distance (the ranking equals Euclidean's, and equals cosine's for L2-normalised embeddings).
 */
import { eligibleGroups, sampleEpisode, type EpisodeClass, type EpisodeOptions } from '../sampling/episodes.js';
import { Rng } from '../sampling/rng.js';
import { meanWithCi95 } from './confidence.js';
import { meanRow, squaredEuclidean } from './distances.js';

export type FewShotMethod = 'prototype' | 'nearest';

export interface FewShotOptions extends EpisodeOptions {
  episodes: number;
  method?: FewShotMethod;
  seed?: number;
}

export interface FewShotResult {
  way: number;
  shot: number;
  withinGroup: boolean;
  drawerSplit: boolean;
  method: FewShotMethod;
  episodes: number;
  /** Mean accuracy over episodes, in [0, 1]. */
  accuracy: number;
  /** Half-width of the 95% confidence interval, in [0, 1]. */
  ci95: number;
}

/** Accuracy of one episode. */
export function episodeAccuracy(embeddings: Float32Array, dim: number, support: number[][], query: number[][], method: FewShotMethod): number {
  const way = support.length;
  const protos = method === 'prototype' ? support.map((s) => meanRow(embeddings, s, dim)) : [];
  let correct = 0;
  let total = 0;
  for (let c = 0; c < way; c++) {
    for (const q of query[c]) {
      let best = -1;
      let bestDistance = Infinity;
      for (let k = 0; k < way; k++) {
        let d: number;
        if (method === 'prototype') d = squaredEuclidean(embeddings, q, protos[k], 0, dim);
        else d = Math.min(...support[k].map((s) => squaredEuclidean(embeddings, q, embeddings, s, dim)));
        if (d < bestDistance) {
          bestDistance = d;
          best = k;
        }
      }
      if (best === c) correct++;
      total++;
    }
  }
  return correct / total;
}

export function fewShotAccuracy(embeddings: Float32Array, dim: number, classes: EpisodeClass[], options: FewShotOptions): FewShotResult {
  const rng = new Rng(options.seed ?? 1234);
  const method = options.method ?? 'prototype';
  const accuracies: number[] = [];
  for (let e = 0; e < options.episodes; e++) {
    const ep = sampleEpisode(classes, rng, options);
    accuracies.push(episodeAccuracy(embeddings, dim, ep.support, ep.query, method));
  }
  const { mean, ci95 } = meanWithCi95(accuracies);
  return { way: options.way, shot: options.shot, withinGroup: !!options.withinGroup, drawerSplit: !!options.drawerSplit, method, episodes: options.episodes, accuracy: mean, ci95 };
}

/** Whether a within-group protocol is possible on these classes (enough classes per group). */
export function canRunWithinGroup(classes: EpisodeClass[], options: EpisodeOptions): boolean {
  return eligibleGroups(classes, options).length > 0;
}
