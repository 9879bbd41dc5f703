/**
 * Vector arithmetic on embeddings. Embeddings are always L2-normalised by the SDK, so every comparison reduces to
 * one dot product (the cosine similarity) and the metadata's distance is derived from it exactly.
 */
import type { DistanceKind } from './metadata.js';

/** Dot product of two equally long vectors (4 accumulators: fewer dependency stalls, same result order-wise). */
export function dot(a: Float32Array, b: Float32Array, aOffset = 0, bOffset = 0, length = a.length - aOffset): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  const end4 = length - (length % 4);
  for (; i < end4; i += 4) {
    s0 += a[aOffset + i] * b[bOffset + i];
    s1 += a[aOffset + i + 1] * b[bOffset + i + 1];
    s2 += a[aOffset + i + 2] * b[bOffset + i + 2];
    s3 += a[aOffset + i + 3] * b[bOffset + i + 3];
  }
  for (; i < length; i++) s0 += a[aOffset + i] * b[bOffset + i];
  return s0 + s1 + s2 + s3;
}

/**
 * Scales `length` values of `v` starting at `offset` to unit length, in place. A zero vector stays zero (there is
 * no direction to keep; its similarity to anything is then 0). Returns the norm before scaling.
 */
export function l2NormalizeInPlace(v: Float32Array, offset = 0, length = v.length - offset): number {
  const norm = Math.sqrt(dot(v, v, offset, offset, length));
  if (norm > 0) {
    const inv = 1 / norm;
    for (let i = offset; i < offset + length; i++) v[i] *= inv;
  }
  return norm;
}

/** A unit-length copy of `v`. */
export function l2Normalize(v: Float32Array): Float32Array {
  const out = v.slice();
  l2NormalizeInPlace(out);
  return out;
}

/**
 * Distance between two unit vectors whose dot product (cosine similarity) is `similarity`:
 * euclidean = sqrt(2 - 2·cos), cosine = 1 - cos. Both fall as the similarity rises, so ranking by similarity is
 * ranking by distance.
 */
export function distanceFromSimilarity(similarity: number, kind: DistanceKind): number {
  const s = Math.min(1, Math.max(-1, similarity));
  return kind === 'cosine' ? 1 - s : Math.sqrt(Math.max(0, 2 - 2 * s));
}

/** Inverse of {@link distanceFromSimilarity}: the cosine similarity of two unit vectors at `distance`. */
export function similarityFromDistance(distance: number, kind: DistanceKind): number {
  return kind === 'cosine' ? 1 - distance : 1 - (distance * distance) / 2;
}

/** The metadata's distance between two embeddings (normalised by the SDK; not re-normalised here). */
export function embeddingDistance(a: Float32Array, b: Float32Array, kind: DistanceKind): number {
  return distanceFromSimilarity(dot(a, b), kind);
}
