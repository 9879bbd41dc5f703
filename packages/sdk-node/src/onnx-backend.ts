/**
 * The EmbeddingBackend on onnxruntime-node: one InferenceSession, CPU by default, CUDA when asked for and
 * available. A CUDA request that cannot be met (the CUDA provider libraries are not installed, or fail to start)
 * falls back to CPU with one process warning; `device` always says what actually runs.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type EmbeddingBackend, type ModelMetadata, SiameseError } from '@siamese-sdk/core';
import * as ort from 'onnxruntime-node';

export type DeviceOption = 'auto' | 'cuda' | 'cpu';

export interface BackendOptions {
  device?: DeviceOption;
  /** Threads for one inference (intra-op), checked by core's resolveThreads; default: onnxruntime's choice (all cores). */
  threads?: number;
}

/**
 * Whether onnxruntime-node's CUDA provider library is installed. It is not in the npm tarball: onnxruntime-node's
 * postinstall script downloads it (from NuGet) on Linux x64 when the script is allowed to run; force it with
 * `ONNXRUNTIME_NODE_INSTALL=cuda12`. The CUDA 12 and cuDNN 9 runtime libraries must be on the system.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    return existsSync(join(root, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

let warnedCudaFallback = false;

function warnCudaFallback(reason: string): void {
  if (warnedCudaFallback) return;
  warnedCudaFallback = true;
  process.emitWarning(`CUDA was requested but is not usable (${reason}); running on CPU`, { code: 'SIAMESE_CUDA_FALLBACK' });
}

/** For tests: lets the one-time CUDA warning fire again. */
export function resetCudaWarning(): void {
  warnedCudaFallback = false;
}

/** One run's input as onnxruntime takes it, with the rejection handler that names its shape. */
interface Feed {
  input: Float32Array;
  n: number;
  feeds: Record<string, ort.Tensor>;
  fail(error: unknown): never;
}

export class OnnxBackend implements EmbeddingBackend {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: 'cpu' | 'cuda',
    private readonly metadata: ModelMetadata,
  ) {}

  static async create(bytes: Uint8Array, metadata: ModelMetadata, options: BackendOptions = {}): Promise<OnnxBackend> {
    const { device = 'auto', threads } = options;
    if (device !== 'auto' && device !== 'cuda' && device !== 'cpu') {
      throw new SiameseError('INVALID_ARGUMENT', `device must be "auto", "cuda" or "cpu", got ${String(device)}`);
    }
    // `threads` comes checked (core's resolveThreads, in loadModel, before the model is read).
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      // Run failures reach the caller as typed errors carrying onnxruntime's message; don't also print them natively.
      logSeverityLevel: 4,
      // Idle intra-op threads sleep instead of spinning: the cores are needed by the decode workers (and by the
      // caller's own code) between runs.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      ...(threads ? { intraOpNumThreads: threads } : {}),
    };
    const cudaInstalled = device !== 'cpu' && cudaProviderInstalled();
    // Without the provider library onnxruntime would only fail (and log natively); say why in one warning instead.
    if (device === 'cuda' && !cudaInstalled) {
      warnCudaFallback(
        "onnxruntime-node's CUDA provider is not installed: its install script downloads it on Linux x64 when allowed to run, e.g. `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (needs CUDA 12 and cuDNN 9)",
      );
    }
    if (cudaInstalled) {
      try {
        const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cuda'] });
        return new OnnxBackend(session, 'cuda', metadata);
      } catch (error) {
        warnCudaFallback(firstLine(error));
      }
    }
    try {
      const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
      return new OnnxBackend(session, 'cpu', metadata);
    } catch (error) {
      throw new SiameseError('MODEL_INVALID', `onnxruntime could not load the model: ${firstLine(error)}`, {}, { cause: error });
    }
  }

  // Not an async function: this runs once per query in a serving loop, and an async frame with its await was a
  // large share of each call's garbage. Every failure still arrives as a rejection.
  run(input: Float32Array, n: number): Promise<Float32Array> {
    let feed = this.lastFeed;
    if (feed?.input !== input || feed.n !== n) {
      try {
        feed = this.makeFeed(input, n);
      } catch (error) {
        return Promise.reject(error);
      }
      // A one-image caller reuses its input buffer (EmbeddingModel's pool), so the same tensor serves the next
      // query; a batch's array is not kept, it may be large and is not passed again.
      this.lastFeed = n === 1 ? feed : undefined;
    }
    return this.session.run(feed.feeds).then(this.takeOutput, feed.fail);
  }

  /** The feeds of the last one-image run, reused while its input array comes back (onnxruntime reads it per run). */
  private lastFeed: Feed | undefined;

  private makeFeed(input: Float32Array, n: number): Feed {
    const { name, channels, height, width } = this.metadata.input;
    return {
      input,
      n,
      feeds: { [name]: new ort.Tensor('float32', input, [n, channels, height, width]) },
      fail: (error: unknown): never => {
        throw new SiameseError('MODEL_SHAPE', `the model did not accept a [${n}, ${channels}, ${height}, ${width}] input: ${firstLine(error)}`, {}, { cause: error });
      },
    };
  }

  /** The embedding output of a run (made once: passed to every run's `then`). */
  private readonly takeOutput = (outputs: ort.InferenceSession.ReturnType): Float32Array => {
    const output = outputs[this.metadata.output.name];
    if (!output || output.type !== 'float32') {
      throw new SiameseError('MODEL_SHAPE', `the model has no float32 output "${this.metadata.output.name}"`);
    }
    return output.data as Float32Array;
  };

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].slice(0, 300);
}
