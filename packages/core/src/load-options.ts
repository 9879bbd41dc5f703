/**
 * The `loadModel` options both SDKs share, checked and resolved in one place before either SDK reads a model or
 * opens a session: so a bad value costs nothing to release, and both SDKs refuse the same values the same way.
 * (Each SDK checks its own runtime's options — device, wasm paths — itself; threads is shared: both SDKs take it.)
 */
import { checkBundledDType, type BundledDType } from './bundled-models.js';
import { SiameseError } from './errors.js';
import { DEFAULT_IMAGE_FETCH_LIMITS, resolveFetchLimits, type FetchLimits } from './fetch-limits.js';
import { DEFAULT_MAX_PIXELS } from './image-header.js';

/** Most threads per inference either SDK accepts: more is a mistake (e.g. a byte count), not a machine. */
export const MAX_THREADS = 256;

/** Images per inference run unless `batchSize` says otherwise. */
export const DEFAULT_BATCH_SIZE = 64;

export interface SharedLoadOptions {
  dtype?: BundledDType;
  maxPixels?: number;
  fetch?: FetchLimits;
  batchSize?: number;
  threads?: number;
}

export interface ResolvedLoadOptions {
  /** Which bundled variant (or, with a model source, which dtype the file must state); undefined: not asked. */
  dtype: BundledDType | undefined;
  maxPixels: number;
  /** Limits for image URLs (the model URL's are resolved where it is fetched). */
  imageFetch: Required<FetchLimits>;
  batchSize: number;
  /** Threads per inference as asked for; undefined: the SDK's default. */
  threads: number | undefined;
}

/**
 * `threads` as both SDKs take it: an integer from 1 to {@link MAX_THREADS}, or undefined for the default. Outside that
 * it is an error in both (a valid number the environment cannot honour, e.g. threads on a page that is not
 * cross-origin isolated, is the web SDK's warning, not this error).
 */
export function resolveThreads(threads: number | undefined): number | undefined {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new SiameseError('INVALID_ARGUMENT', `threads must be an integer from 1 to ${MAX_THREADS}, got ${String(threads)}`, { threads });
  }
  return threads;
}

/** The batch size a model runs: `batchSize`, or the default 64; anything but a positive integer is an error. */
export function resolveBatchSize(batchSize: number | undefined): number {
  const size = batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new SiameseError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${String(size)}`, { batchSize: size });
  return size;
}

/** Checks the shared options (an object or nothing: a stray `null` or a string is an error, not a default). */
export function resolveLoadOptions(options: SharedLoadOptions | undefined): ResolvedLoadOptions {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new SiameseError('INVALID_ARGUMENT', `loadModel options must be an object (e.g. { device: 'cpu' }), got ${options === null ? 'null' : typeof options}`);
  }
  const maxPixels = options?.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isFinite(maxPixels) && maxPixels >= 1)) throw new SiameseError('INVALID_ARGUMENT', `maxPixels must be a positive number, got ${String(maxPixels)}`);
  return {
    dtype: checkBundledDType(options?.dtype),
    maxPixels,
    imageFetch: resolveFetchLimits(options?.fetch, DEFAULT_IMAGE_FETCH_LIMITS),
    batchSize: resolveBatchSize(options?.batchSize),
    threads: resolveThreads(options?.threads),
  };
}
