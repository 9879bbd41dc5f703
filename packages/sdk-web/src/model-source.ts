/**
 * Where a model's bytes come from: the default model next to this bundle, any URL the app gives, or bytes.
 */
import { SiameseError } from '@siamese-sdk/core';
import { fetchBytes, type FetchLimits } from './fetch-bytes.js';

export type ModelSource = string | URL | ArrayBuffer | Uint8Array;

/** Model files are small (~0.1–5 MB); this only stops a wrong URL from pulling gigabytes. */
const MODEL_MAX_BYTES = 512 * 1024 * 1024;

/**
 * The default model's URL: `models/omniglot-conv4.onnx` beside this module (the build copies it into dist/models).
 * Bundlers that understand `new URL(…, import.meta.url)` (Vite, webpack 5, Parcel) emit the file with the app.
 */
export function defaultModelUrl(): URL {
  return new URL('./models/omniglot-conv4.onnx', import.meta.url);
}

export async function readModelBytes(source: ModelSource | undefined, limits: FetchLimits = {}): Promise<Uint8Array> {
  if (source === undefined) {
    try {
      return await fetchBytes(defaultModelUrl(), { maxBytes: MODEL_MAX_BYTES, ...limits });
    } catch (e) {
      if (e instanceof SiameseError && e.code === 'NOT_FOUND') {
        throw new SiameseError('NOT_FOUND', `the default model is not at ${defaultModelUrl().href}; serve dist/models/ with the bundle or pass a model URL to loadModel()`, e.details, { cause: e });
      }
      throw e;
    }
  }
  if (typeof source === 'string' || source instanceof URL) return fetchBytes(source, { maxBytes: MODEL_MAX_BYTES, ...limits });
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  throw new SiameseError('INVALID_ARGUMENT', 'a model source must be a URL (string or URL), an ArrayBuffer or a Uint8Array');
}
