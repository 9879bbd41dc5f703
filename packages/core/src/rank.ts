/**
 * Ranking a query embedding against a compiled support set: sorted matches with the model's distance and
 * calibrated probability, the best match, and whether it clears the acceptance threshold (so callers can answer
 * "unknown" instead of forcing the nearest label).
 */
import type { ApproximateIndex } from './approximate-index.js';
import { distanceFromSimilarity } from './distance.js';
import { type EmbeddingIndex, type RankStrategy, rankedTopLabels } from './embedding-index.js';
import { SiameseError } from './errors.js';
import { type CalibrationSpec, type DistanceKind, distanceToProbability } from './metadata.js';
import { TopK } from './top-k.js';

export type { RankStrategy } from './embedding-index.js';

export interface RankOptions {
  /** How many labels to return, best first (default 5; capped at the number of labels). */
  k?: number;
  /** 'prototype' (default): compare with each label's mean embedding; 'nearest': with its closest example. */
  strategy?: RankStrategy;
  /** Accept the best match when its distance is at or below this (default: the model's calibrated threshold). */
  threshold?: number;
}

export interface RankMatch {
  label: string;
  /** Cosine similarity of the (unit-length) embeddings, in [-1, 1]; higher is more alike. */
  score: number;
  /** The model's distance (euclidean or cosine, per its metadata); lower is more alike. */
  distance: number;
  /** Calibrated probability that query and label are the same class. */
  probability: number;
}

export interface RankSummary {
  /** The top match. */
  best: RankMatch;
  /** Whether the best match's distance is within the threshold. */
  accepted: boolean;
  /** `!accepted`: the query is probably none of the labels. */
  unknown: boolean;
  /** The distance threshold that was applied. */
  threshold: number;
  strategy: RankStrategy;
}

/** {@link RankResult} as JSON: the matches and the summary (an array alone would lose the summary). */
export interface RankResultJSON extends RankSummary {
  matches: RankMatch[];
}

/**
 * The matches, best first, as a plain array that also carries the summary (`result[0]`, `result.best`, ...).
 * `JSON.stringify(result)` gives {@link RankResultJSON} (the CLI's `--json` shape without the query).
 */
export type RankResult = RankMatch[] & RankSummary & { toJSON(): RankResultJSON };

export const DEFAULT_RANK_K = 5;

export interface ResolvedRankOptions {
  k: number;
  strategy: RankStrategy;
  threshold: number;
}

/** Validates options once, with the model's calibration as the default threshold. */
export function resolveRankOptions(options: RankOptions | undefined, calibration: CalibrationSpec): ResolvedRankOptions {
  const { k = DEFAULT_RANK_K, strategy = 'prototype', threshold = calibration.threshold } = options ?? {};
  if (!(Number.isInteger(k) && k >= 1) && k !== Infinity) {
    throw new SiameseError('INVALID_ARGUMENT', `k must be a positive integer, got ${String(k)}`);
  }
  if (strategy !== 'prototype' && strategy !== 'nearest') {
    throw new SiameseError('INVALID_ARGUMENT', `strategy must be "prototype" or "nearest", got ${String(strategy)}`);
  }
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    // Finite, so the result's threshold survives JSON (Infinity would be stored as null); distances are at most 2.
    throw new SiameseError('INVALID_ARGUMENT', `threshold must be a finite number (a distance; e.g. 2 accepts every match), got ${String(threshold)}`);
  }
  return { k, strategy, threshold };
}

export interface RankContext {
  distance: DistanceKind;
  calibration: CalibrationSpec;
}

function rankMatch(index: EmbeddingIndex, id: number, score: number, context: RankContext): RankMatch {
  const distance = distanceFromSimilarity(score, context.distance);
  return { label: index.labels[id], score, distance, probability: distanceToProbability(distance, context.calibration) };
}

export function rankEmbedding(
  index: EmbeddingIndex,
  query: Float32Array,
  options: ResolvedRankOptions,
  context: RankContext,
  approximate?: ApproximateIndex,
): RankResult {
  if (index.labels.length === 0) throw new SiameseError('SUPPORT_SET_EMPTY', 'the support set has no labels');
  const top = rankedTopLabels(index, query, options.k, options.strategy, approximate);
  const matches: RankMatch[] = [];
  // Exact search hands back its (reused) heap rather than an array of intermediate objects: one query, one set
  // of result objects.
  if (top instanceof TopK) for (let i = 0; i < top.length; i++) matches.push(rankMatch(index, top.idAt(i), top.scoreAt(i), context));
  else for (const { id, score } of top) matches.push(rankMatch(index, id, score, context));
  const best = matches[0];
  const accepted = best.distance <= options.threshold;
  const result = Object.assign(matches, { best, accepted, unknown: !accepted, threshold: options.threshold, strategy: options.strategy });
  // Not enumerable: the result still iterates, spreads and compares as the array of matches plus its summary.
  return Object.defineProperty(result, 'toJSON', { value: rankResultToJSON, enumerable: false, writable: true, configurable: true }) as RankResult;
}

/** JSON.stringify keeps only an array's elements; this keeps the summary too. */
function rankResultToJSON(this: RankMatch[] & RankSummary): RankResultJSON {
  const { best, accepted, unknown, threshold, strategy } = this;
  return { matches: [...this], best, accepted, unknown, threshold, strategy };
}
