/**
 * The limits both SDKs put on fetching an image or a model over the network, their defaults, and the one place
 * a caller's overrides are checked and merged. A key given as `undefined` keeps its default (a spread would let
 * it erase the limit), and a value that is not a usable limit is an error before anything is fetched.
 */
import { SiameseError } from './errors.js';

export interface FetchLimits {
  /** Largest body accepted, in bytes. */
  maxBytes?: number;
  /** Time limit for the whole fetch, redirects included, in milliseconds. */
  timeoutMs?: number;
  /** Redirects followed at most (Node; a browser's fetch follows redirects itself and ignores this). */
  maxRedirects?: number;
}

/** Images: 20 MiB, 10 s, 3 redirects. */
export const DEFAULT_IMAGE_FETCH_LIMITS: Readonly<Required<FetchLimits>> = Object.freeze({ maxBytes: 20 * 1024 * 1024, timeoutMs: 10_000, maxRedirects: 3 });
/** Models are small (~0.1–5 MB); this only stops a wrong URL from pulling gigabytes. */
export const DEFAULT_MODEL_FETCH_LIMITS: Readonly<Required<FetchLimits>> = Object.freeze({ maxBytes: 512 * 1024 * 1024, timeoutMs: 120_000, maxRedirects: 3 });

/** setTimeout fires at once for delays above 2^31 − 1 ms, so a longer limit would be no limit at all. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function checkLimit(name: keyof FetchLimits, value: number, min: number, max: number, integer = true): number {
  if (typeof value !== 'number' || !(integer ? Number.isInteger(value) : Number.isFinite(value)) || value < min || value > max) {
    const kind = integer ? 'an integer' : 'a number';
    throw new SiameseError('INVALID_ARGUMENT', `fetch.${name} must be ${kind} from ${min} to ${max}, got ${String(value)}`, { [name]: value });
  }
  return value;
}

/** The caller's limits over `defaults`, each checked. */
export function resolveFetchLimits(limits: FetchLimits | undefined, defaults: Readonly<Required<FetchLimits>>): Required<FetchLimits> {
  if (limits !== undefined && (limits === null || typeof limits !== 'object')) {
    throw new SiameseError('INVALID_ARGUMENT', `fetch must be an object of limits ({ maxBytes, timeoutMs, maxRedirects }), got ${String(limits)}`);
  }
  return {
    maxBytes: checkLimit('maxBytes', limits?.maxBytes ?? defaults.maxBytes, 1, Number.MAX_SAFE_INTEGER),
    timeoutMs: checkLimit('timeoutMs', limits?.timeoutMs ?? defaults.timeoutMs, 1, MAX_TIMEOUT_MS, false),
    maxRedirects: checkLimit('maxRedirects', limits?.maxRedirects ?? defaults.maxRedirects, 0, 100),
  };
}
