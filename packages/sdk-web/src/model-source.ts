/**
 * Where a model's bytes come from — the default model next to this bundle, any URL the app gives, or bytes — and
 * their SHA-256 (the model's identity in stored support sets, and an optional integrity pin).
 */
import { DEFAULT_MODEL_FETCH_LIMITS, SiameseError, resolveFetchLimits, sha256Hex, type BundledDType, type FetchLimits } from '@siamese-sdk/core';
import { fetchBytes } from './fetch-bytes.js';

export type ModelSource = string | URL | ArrayBuffer | Uint8Array;

export interface ModelBytes {
  bytes: Uint8Array;
  /** Where they came from (URL or "bytes"), for messages. */
  origin: string;
  sha256: string;
}

/**
 * The default model's URL: `models/<core's BUNDLED_MODEL_FILES[dtype]>` beside this module (the build copies both
 * variants into dist/models). Each is a literal `new URL('…', import.meta.url)` so that bundlers which understand
 * the pattern (Vite, webpack 5, Parcel) emit the file with the app; a test checks they name core's files.
 */
export function defaultModelUrl(dtype: BundledDType = 'fp32'): URL {
  return dtype === 'int8-qdq' ? new URL('./models/omniglot-conv4.int8-qdq.onnx', import.meta.url) : new URL('./models/omniglot-conv4.onnx', import.meta.url);
}

async function sha256Of(bytes: Uint8Array): Promise<string> {
  // Web Crypto exists only in secure contexts (https, localhost); the core's portable hash covers the rest.
  const subtle = (globalThis.crypto as Crypto | undefined)?.subtle;
  if (!subtle) return sha256Hex(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function load(source: ModelSource | undefined, limits: Required<FetchLimits>, dtype: BundledDType | undefined): Promise<{ bytes: Uint8Array; origin: string }> {
  if (source === undefined) {
    const url = defaultModelUrl(dtype);
    try {
      return { bytes: await fetchBytes(url, limits), origin: url.href };
    } catch (e) {
      if (e instanceof SiameseError && e.code === 'NOT_FOUND') {
        throw new SiameseError('NOT_FOUND', `the default model is not at ${url.href}; serve dist/models/ with the bundle or pass a model URL to loadModel()`, e.details, { cause: e });
      }
      throw e;
    }
  }
  if (source instanceof Uint8Array) return { bytes: source, origin: 'bytes' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), origin: 'bytes' };
  if ((typeof source === 'string' && source.length > 0) || source instanceof URL) {
    return { bytes: await fetchBytes(source, limits), origin: String(source) };
  }
  throw new SiameseError('INVALID_ARGUMENT', 'a model source must be a URL (string or URL), an ArrayBuffer or a Uint8Array');
}

export async function readModelBytes(
  source: ModelSource | undefined,
  options: { sha256?: string; fetch?: FetchLimits; dtype?: BundledDType } = {},
): Promise<ModelBytes> {
  // The caller's limits apply to a model URL too, over the model defaults (checked before anything is fetched).
  const { bytes, origin } = await load(source, resolveFetchLimits(options.fetch, DEFAULT_MODEL_FETCH_LIMITS), options.dtype);
  const sha256 = await sha256Of(bytes);
  if (options.sha256 !== undefined) {
    const pinned = String(options.sha256).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(pinned)) throw new SiameseError('INVALID_ARGUMENT', 'sha256 must be 64 hexadecimal characters');
    if (pinned !== sha256) throw new SiameseError('MODEL_INTEGRITY', `model ${origin} has sha256 ${sha256}, expected ${pinned}`, { expected: pinned, actual: sha256 });
  }
  return { bytes, origin, sha256 };
}
