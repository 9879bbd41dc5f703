/**
 * Resolving where a model's bytes come from — the bundled default, a file path, a file:/http(s) URL, or bytes —
 * and checking their integrity when the caller pins a sha256.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_FETCH_LIMITS, SiameseError, resolveFetchLimits, type BundledDType, type FetchLimits } from '@siamese-sdk/core';
import { assertFetchable, fetchBytes, looksLikeUrl } from './fetch-url.js';
import { bundledModelPath } from './package-paths.js';
import { readRegularFile } from './regular-file.js';

export type ModelSource = string | URL | Uint8Array | ArrayBuffer;

export interface ModelBytes {
  bytes: Uint8Array;
  /** Where they came from, for messages and `siamese info`. */
  origin: string;
  sha256: string;
}

export async function readModelBytes(
  source: ModelSource | undefined,
  options: { sha256?: string; fetch?: FetchLimits; dtype?: BundledDType } = {},
): Promise<ModelBytes> {
  // The caller's limits apply to a model URL too, over the model defaults (checked before anything is read).
  const limits = resolveFetchLimits(options.fetch, DEFAULT_MODEL_FETCH_LIMITS);
  const { bytes, origin } = await load(source, limits, options.dtype);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (options.sha256 !== undefined) {
    const expected = String(options.sha256).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(expected)) throw new SiameseError('INVALID_ARGUMENT', 'sha256 must be 64 hexadecimal characters');
    if (expected !== sha256) {
      throw new SiameseError('MODEL_INTEGRITY', `model ${origin} has sha256 ${sha256}, expected ${expected}`, { expected, actual: sha256 });
    }
  }
  return { bytes, origin, sha256 };
}

async function load(source: ModelSource | undefined, limits: Required<FetchLimits>, dtype: BundledDType | undefined): Promise<{ bytes: Uint8Array; origin: string }> {
  if (source === undefined) {
    const path = bundledModelPath(dtype);
    return { bytes: await readModelFile(path, true), origin: path };
  }
  if (source instanceof Uint8Array) return { bytes: source, origin: 'bytes' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), origin: 'bytes' };
  const url = source instanceof URL ? source : typeof source === 'string' && looksLikeUrl(source) ? new URL(source) : undefined;
  if (url) {
    if (url.protocol === 'file:') {
      const path = fileURLToPath(url);
      return { bytes: await readModelFile(path, false), origin: path };
    }
    assertFetchable(url);
    return { bytes: await fetchBytes(url, limits), origin: url.href };
  }
  if (typeof source === 'string' && source.length > 0) return { bytes: await readModelFile(source, false), origin: source };
  throw new SiameseError('INVALID_ARGUMENT', 'a model source must be a file path, a URL, or the model bytes (Uint8Array)');
}

async function readModelFile(path: string, bundled: boolean): Promise<Uint8Array> {
  try {
    return await readRegularFile(path, 'a model file');
  } catch (error) {
    if (bundled && error instanceof SiameseError && error.code === 'NOT_FOUND') {
      throw new SiameseError('NOT_FOUND', `the bundled model is missing (${path}); reinstall siamese-sdk or pass a model path to loadModel()`, { path }, { cause: error });
    }
    throw error;
  }
}
