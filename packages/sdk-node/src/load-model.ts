/**
 * `loadModel`: bytes (bundled default, path, URL or buffer) → integrity check → siamese-sdk metadata read from the
 * ONNX file (the core's reader; refuses non-ONNX files, missing metadata and graphs that disagree with it) →
 * onnxruntime session on the requested device → one warm-up run that proves the graph takes the metadata's
 * input shape and returns its embedding size.
 */
import { SiameseError, assertModelDType, readModelMetadata, resolveLoadOptions, type BundledDType, type FetchLimits } from '@siamese-sdk/core';
import { type ModelSource, readModelBytes } from './model-source.js';
import { createNodeCapture } from './image-input.js';
import { DEFAULT_WORKER_THRESHOLD, createNodeDecoder } from './node-decoder.js';
import { type DeviceOption, OnnxBackend } from './onnx-backend.js';
import { SiameseModel } from './siamese-model.js';

export interface LoadModelOptions {
  /** 'auto' (default): CUDA when its provider is installed, else CPU. 'cuda': CUDA, or CPU with one warning. */
  device?: DeviceOption;
  /**
   * Which bundled variant of the default model to load: 'fp32' (default) or 'int8-qdq' (fully quantised: same
   * accuracy; faster on CPUs with VNNI, slower without — see the README). With a model source, it is a check
   * instead: the file's metadata must state this dtype.
   */
  dtype?: BundledDType;
  /** Threads per inference, an integer from 1 to 256 (default: all cores). The web SDK takes the same values. */
  threads?: number;
  /** Refuse the model unless its SHA-256 (hex) is this. */
  sha256?: string;
  /** Largest image accepted, in pixels, checked from the header before decoding (default 50,000,000). */
  maxPixels?: number;
  /**
   * Limits for URLs. Images default to 20 MiB, 10 s, 3 redirects; a model URL to 512 MiB, 120 s, 3 redirects. A limit
   * given here applies to both (e.g. `{ timeoutMs: 5000 }` also bounds the model download).
   */
  fetch?: FetchLimits;
  /** Images per inference run (default 64). */
  batchSize?: number;
  /** Decode on worker threads when one call has at least this many images (default 4; Infinity: never). */
  workerThreshold?: number;
  /**
   * PNG decoding: 'fast' (default) = core's PNG decoder (same pixels as jimp, ~10× faster on small images), with
   * jimp for the PNGs it does not take (interlaced, unusual chunks, damaged); 'jimp' = jimp only.
   */
  pngDecoder?: 'fast' | 'jimp';
}

export async function loadModel(source?: ModelSource, options: LoadModelOptions = {}): Promise<SiameseModel> {
  // Every option is checked before the model is read or a session opened, so a bad one leaves nothing to release.
  const { dtype, maxPixels, imageFetch, batchSize, threads } = resolveLoadOptions(options);
  const workerThreshold = options.workerThreshold ?? DEFAULT_WORKER_THRESHOLD;
  if (!(workerThreshold >= 1)) throw new SiameseError('INVALID_ARGUMENT', `workerThreshold must be ≥ 1, got ${String(workerThreshold)}`);
  const png = options.pngDecoder ?? 'fast';
  if (png !== 'fast' && png !== 'jimp') throw new SiameseError('INVALID_ARGUMENT', `pngDecoder must be 'fast' or 'jimp', got ${String(png)}`);

  const { bytes, origin, sha256 } = await readModelBytes(source, { sha256: options.sha256, fetch: options.fetch, dtype });
  let metadata;
  try {
    metadata = readModelMetadata(bytes);
  } catch (error) {
    if (!(error instanceof SiameseError)) throw error;
    const what = error.code === 'MODEL_INVALID' && !error.message.startsWith('not an ONNX model') ? `model ${origin} is not a valid ONNX model` : `model ${origin}`;
    throw error.withDetails({ path: origin }, what);
  }
  assertModelDType(metadata, dtype, origin);
  const backend = await OnnxBackend.create(bytes, metadata, { device: options.device, threads });
  const model = new SiameseModel(
    {
      metadata,
      backend,
      decode: createNodeDecoder(metadata, { maxPixels, fetch: imageFetch, workerThreshold, png }),
      capture: createNodeCapture(maxPixels),
      fingerprint: sha256.slice(0, 16), // = core modelFingerprint(bytes), computed with node:crypto (faster)
      batchSize,
    },
    { origin, sha256, maxPixels },
  );
  await warmUp(backend, metadata.input.channels * metadata.input.width * metadata.input.height, metadata.output.size, origin).catch(async (error: unknown) => {
    await model.dispose();
    throw error;
  });
  return model;
}

async function warmUp(backend: OnnxBackend, inputSize: number, outputSize: number, origin: string): Promise<void> {
  const output = await backend.run(new Float32Array(inputSize), 1);
  if (output.length !== outputSize) {
    throw new SiameseError('MODEL_SHAPE', `model ${origin} returns ${output.length} values per image; its metadata says ${outputSize}`, { path: origin });
  }
}
