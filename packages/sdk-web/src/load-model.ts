/**
 * `loadModel`: bytes → metadata (core) → onnxruntime-web session (this package) → the core's EmbeddingModel with
 * the browser decoder. Everything past the session — preprocessing, batching, ranking, support sets — is core code.
 */
import { EmbeddingModel, modelFingerprint, readModelMetadata } from '@siamese-sdk/core';
import { decodeWebImage, type DecodeOptions, type WebImageInput } from './decode-image.js';
import { readModelBytes, type ModelSource } from './model-source.js';
import { OrtWebBackend, type DeviceRequest, type WebDevice } from './ort-backend.js';
import type { FetchLimits } from './fetch-bytes.js';

export interface LoadModelOptions {
  /** 'auto' (default): WebGPU on a hardware adapter, else wasm. 'webgpu' falls back to wasm with a warning. */
  device?: DeviceRequest;
  /** Folder URL of onnxruntime-web's .wasm/.mjs files, when they are not served beside its module. */
  wasmPaths?: string | URL;
  /** wasm threads (needs a cross-origin isolated page); default: all cores when isolated, else 1. */
  threads?: number;
  /** Images per inference run (default 64). */
  batchSize?: number;
  /** Pixel limit per image, checked before decoding (default 50 megapixels). */
  maxPixels?: number;
  /** Limits for fetching the model and image URLs. */
  fetch?: FetchLimits;
}

/** A loaded model: the shared EmbeddingModel API, plus what runs it in this page or worker. */
export class SiameseModel extends EmbeddingModel<WebImageInput> {
  /** @internal use {@link loadModel}. */
  constructor(
    metadata: ConstructorParameters<typeof EmbeddingModel<WebImageInput>>[0]['metadata'],
    fingerprint: string,
    private readonly ortBackend: OrtWebBackend,
    decodeOptions: DecodeOptions,
    batchSize: number | undefined,
  ) {
    super({
      metadata,
      fingerprint,
      backend: ortBackend,
      decode: (input) => decodeWebImage(input, decodeOptions),
      ...(batchSize !== undefined ? { batchSize } : {}),
    });
  }

  /** The execution provider that really runs: 'webgpu' or 'wasm'. */
  override get device(): WebDevice {
    return this.ortBackend.device;
  }

  /** wasm threads in force in this page/worker (1 unless the page is cross-origin isolated). */
  get threads(): number {
    return this.ortBackend.threads;
  }
}

/** Loads a siamese-sdk ONNX model: the default one beside the bundle, a URL, or bytes. */
export async function loadModel(source?: ModelSource, options: LoadModelOptions = {}): Promise<SiameseModel> {
  const bytes = await readModelBytes(source, options.fetch);
  const metadata = readModelMetadata(bytes);
  const backend = await OrtWebBackend.create(bytes, metadata, options);
  const decodeOptions: DecodeOptions = { ...options.fetch, ...(options.maxPixels !== undefined ? { maxPixels: options.maxPixels } : {}) };
  return new SiameseModel(metadata, modelFingerprint(bytes), backend, decodeOptions, options.batchSize);
}
