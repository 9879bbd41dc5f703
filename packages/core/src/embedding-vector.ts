/**
 * Embeddings a caller hands back to the SDK (to add to a support set, to rank, to compare). They may come from
 * anywhere — a database, another process, arithmetic — so each is checked and a unit-length copy is used: a NaN
 * would give NaN scores with a "best" label, and a scaled vector scores outside [-1, 1] with a distance of 0.
 */
import { l2NormalizeInPlace } from './distance.js';
import { SiameseError, type SiameseErrorDetails } from './errors.js';

/**
 * Scales `v` to unit length in place unless it already is one within float32 rounding (|‖v‖² − 1| ≤ 1e-6), so an
 * embedding the model made keeps its exact bits and gives exactly the scores it gives inside the SDK. Returns the
 * norm (0: a zero vector, left as it is).
 */
export function normalizeUnlessUnit(v: Float32Array): number {
  let squared = 0;
  for (let i = 0; i < v.length; i++) squared += v[i] * v[i];
  if (Math.abs(squared - 1) <= 1e-6) return Math.sqrt(squared);
  return l2NormalizeInPlace(v);
}

/**
 * A checked, unit-length copy of `value`: a Float32Array of `size` finite values, not all zero. `name` says which
 * argument it is in the INVALID_ARGUMENT error (e.g. 'query embedding', 'label "a": embedding 2').
 */
export function unitEmbedding(value: unknown, size: number, name: string, details: SiameseErrorDetails = {}): Float32Array {
  if (!(value instanceof Float32Array) || value.length !== size) {
    const got = value instanceof Float32Array ? `${value.length} values` : describe(value);
    throw new SiameseError('INVALID_ARGUMENT', `${name} must be a Float32Array of ${size} values, got ${got}`, details);
  }
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(value[i])) throw new SiameseError('INVALID_ARGUMENT', `${name} has NaN or infinite values (${value[i]} at ${i})`, details);
  }
  const copy = new Float32Array(value); // not `.slice()`: a subclass's slice need not copy
  // A zero vector has no direction: it would match nothing, and a stored set holding it could not be reloaded.
  if (normalizeUnlessUnit(copy) === 0) throw new SiameseError('INVALID_ARGUMENT', `${name} is all zeros (no direction to compare)`, details);
  return copy;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}
