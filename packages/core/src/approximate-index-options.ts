/**
 * The options of the approximate index and their checks, apart from the index itself (approximate-index.ts): a
 * support set validates them when they are set, while the index code is only needed once a search runs — which
 * the web SDK loads on first use (see approximate-index-provider.ts).
 */
import { SiameseError } from './errors.js';

export interface ApproximateIndexOptions {
  /** Number of cells (default: rows / {@link ROWS_PER_CELL}, at least 1, at most rows). More cells: less to scan per query, slower builds. */
  lists?: number;
  /** Cells scanned per query. Default: adaptive — the closest cells until `scanShare` of the rows are covered. */
  probes?: number;
  /** Share of the rows a query scans when `probes` is not set (default {@link DEFAULT_SCAN_SHARE}, at least {@link MIN_SCAN_ROWS} rows). */
  scanShare?: number;
  /** Rows used to train the centroids (default: 24 per cell, at least 65,536, at most all rows). */
  trainingSample?: number;
  /** k-means iterations at each of the two levels (default 6). */
  iterations?: number;
  /** Seed of the deterministic sampling (default 1). */
  seed?: number;
  /** Use the WebAssembly SIMD kernels where the engine allows it (default true); false forces the JavaScript kernels. */
  simd?: boolean;
}

/** How much one search scans: a fixed number of cells, or a share of the rows (adaptive). */
export interface ApproximateScan {
  probes?: number;
  scanShare?: number;
}

/** Default rows per cell: small cells keep a query's scan close to the rows it needs; ~16,000 centroids at 1M are cheap to score. */
export const ROWS_PER_CELL = 64;
/** Default share of the rows a query scans (recall@10 ≈ 0.96–0.98 on the seeded galleries of the tests and bench). */
export const DEFAULT_SCAN_SHARE = 0.04;
/** A query scans at least this many rows (small galleries: near-exact recall for a negligible cost). */
export const MIN_SCAN_ROWS = 2048;
/** Galleries up to this size train on every row (cheap, and steadier recall than a 24-per-cell sample). */
const MIN_TRAINING_SAMPLE = 65_536;

/** {@link ApproximateIndexOptions} with every default filled in for a gallery of a given size. */
export interface ResolvedApproximateIndexOptions {
  lists: number;
  probes: number | undefined;
  scanShare: number;
  trainingSample: number;
  iterations: number;
  seed: number;
  simd: boolean;
}

/** Checks approximate index options without building (so a support set can refuse them when they are set). */
export function validateApproximateIndexOptions(options: ApproximateIndexOptions): void {
  resolveApproximateIndexOptions(options, 0);
}

/** Checks `options` and fills in the defaults for a gallery of `rows` rows (INVALID_ARGUMENT naming the bad option). */
export function resolveApproximateIndexOptions(options: ApproximateIndexOptions, rows: number): ResolvedApproximateIndexOptions {
  if (typeof options !== 'object' || options === null) throw new SiameseError('INVALID_ARGUMENT', `approximate index options must be an object, got ${String(options)}`);
  const { lists, probes, scanShare = DEFAULT_SCAN_SHARE, trainingSample, iterations = 6, seed = 1, simd = true } = options;
  const cells = Math.min(Math.max(1, rows), lists === undefined ? Math.max(1, Math.round(rows / ROWS_PER_CELL)) : positiveInteger('lists', lists));
  if (probes !== undefined) assertProbes(probes);
  assertScanShare(scanShare);
  if (trainingSample !== undefined) positiveInteger('trainingSample', trainingSample);
  if (!Number.isInteger(iterations) || iterations < 0) invalid('iterations', 'a non-negative integer', iterations);
  if (!Number.isInteger(seed)) invalid('seed', 'an integer', seed);
  if (typeof simd !== 'boolean') invalid('simd', 'a boolean', simd);
  return { lists: cells, probes, scanShare, trainingSample: trainingSample ?? Math.max(24 * cells, MIN_TRAINING_SAMPLE), iterations, seed, simd };
}

function positiveInteger(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) invalid(name, 'a positive integer', value);
  return value as number;
}

/** A number of cells to probe: a positive integer. */
export function assertProbes(probes: unknown): void {
  positiveInteger('probes', probes);
}

/** A share of the rows to scan: a number in (0, 1]. */
export function assertScanShare(share: unknown): void {
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) invalid('scanShare', 'a number in (0, 1]', share);
}

function invalid(name: string, what: string, value: unknown): never {
  throw new SiameseError('INVALID_ARGUMENT', `approximate index option ${name} must be ${what}, got ${String(value)}`, { option: name });
}

