/**
 * `loadModel`: bytes → metadata (core) → onnxruntime-web session (this package) → the core's EmbeddingModel with
 * the browser decoder. Everything past the session — preprocessing, batching, ranking, support sets — is core code.
 */
import {
  EmbeddingModel,
  SiameseError,
  assertModelDType,
  readModelMetadata,
  resolveLoadOptions,
  type BundledDType,
  type EmbeddingModelOptions,
  type FetchLimits,
  type ModelMetadata,
} from '@siamese-sdk/core';
import { createWebCapture, decodeWebImage, type WebImageInput } from './decode-image.js';
import { readModelBytes, type ModelSource } from './model-source.js';
import { OrtWebBackend, assertBackendOptions, type DeviceRequest, type WebDevice } from './ort-backend.js';

export interface LoadModelOptions {
  /** 'auto' (default): WebGPU on a hardware adapter, else wasm. 'webgpu': WebGPU, or wasm with one warning. */
  device?: DeviceRequest;
  /**
   * Which variant of the default model to load: 'fp32' (default) or 'int8-qdq' (fully quantised: same accuracy,
   * faster on wasm by a margin that depends on the CPU). With a model source, it is a check: the file's metadata
   * must state it.
   */
  dtype?: BundledDType;
  /** Folder URL of onnxruntime-web's .wasm/.mjs files, when they are not served beside its module. */
  wasmPaths?: string | URL;
  /**
   * wasm threads, an integer from 1 to 256 as in Node (needs a cross-origin isolated page: elsewhere a value over 1
   * warns and 1 thread runs); default: all cores when isolated, else 1.
   */
  threads?: number;
  /** Refuse the model unless its SHA-256 (hex) is this. */
  sha256?: string;
  /** Largest image accepted, in pixels, checked from the header before decoding (default 50,000,000). */
  maxPixels?: number;
  /**
   * Limits for URLs. Images default to 20 MiB and 10 s; a model URL to 512 MiB and 120 s. A limit given here
   * applies to both. (`maxRedirects` is for Node; the browser follows redirects itself.)
   */
  fetch?: FetchLimits;
  /** Images per inference run (default 64). */
  batchSize?: number;
}

export interface ModelInfo {
  /** Where the model was loaded from (URL or "bytes"). */
  origin: string;
  /** SHA-256 of the model file. */
  sha256: string;
  /** Largest image accepted, in pixels. */
  maxPixels: number;
}

/** A loaded model: the shared EmbeddingModel API, plus what runs it in this page or worker. */
export class SiameseModel extends EmbeddingModel<WebImageInput> {
  readonly origin: string;
  readonly sha256: string;
  readonly maxPixels: number;

  /** @internal use {@link loadModel}. */
  constructor(options: EmbeddingModelOptions<WebImageInput>, private readonly ortBackend: OrtWebBackend, info: ModelInfo) {
    super(options);
    this.origin = info.origin;
    this.sha256 = info.sha256;
    this.maxPixels = info.maxPixels;
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
  // Every option is checked before the model is fetched or a session opened, so a bad one leaves nothing to release.
  const { dtype, maxPixels, imageFetch, batchSize, threads } = resolveLoadOptions(options);
  assertBackendOptions(options);
  const { bytes, origin, sha256 } = await readModelBytes(source, { sha256: options.sha256, fetch: options.fetch, dtype });
  let metadata: ModelMetadata;
  let backend: OrtWebBackend;
  try {
    metadata = readModelMetadata(bytes);
  } catch (error) {
    throw error instanceof SiameseError ? error.withDetails({ url: origin }, `model ${origin}`) : error;
  }
  // Its message names the model already (as in Node): no second "model …:" prefix.
  assertModelDType(metadata, dtype, origin);
  try {
    backend = await OrtWebBackend.create(bytes, metadata, { device: options.device, wasmPaths: options.wasmPaths, threads });
  } catch (error) {
    throw error instanceof SiameseError ? error.withDetails({ url: origin }, `model ${origin}`) : error;
  }
  return new SiameseModel(
    {
      metadata,
      backend,
      decode: (input) => decodeWebImage(input, { ...imageFetch, maxPixels }),
      capture: createWebCapture(maxPixels),
      fingerprint: sha256.slice(0, 16), // = core's modelFingerprint(bytes), without hashing twice
      batchSize,
    },
    backend,
    { origin, sha256, maxPixels },
  );
}
