/**
 * An onnxruntime-web session as the core's embedding backend: `run` takes N preprocessed images (NCHW floats)
 * and returns N×D embeddings. Chooses the execution provider (webgpu or wasm) and falls back cleanly.
 */
import * as ort from 'onnxruntime-web';
import { SiameseError, type EmbeddingBackend, type ModelMetadata } from '@siamese-sdk/core';
import { configureOrtEnvironment, type OrtEnvironmentRequest } from './ort-environment.js';
import { probeWebGpu } from './webgpu-adapter.js';

/** What the caller asks for. `auto` = WebGPU when a hardware adapter exists, else wasm. */
export type DeviceRequest = 'auto' | 'webgpu' | 'wasm';
/** What actually runs. */
export type WebDevice = 'webgpu' | 'wasm';

export interface OrtBackendOptions extends OrtEnvironmentRequest {
  device?: DeviceRequest;
}

async function chooseDevice(request: DeviceRequest): Promise<WebDevice> {
  if (request === 'wasm') return 'wasm';
  const gpu = await probeWebGpu();
  if (request === 'webgpu') {
    if (gpu.available) return 'webgpu';
    console.warn(`[siamese-sdk] device 'webgpu' requested but ${gpu.reason}; falling back to wasm`);
    return 'wasm';
  }
  // 'auto': a software adapter (SwiftShader) runs the model ~50× slower than wasm, so only real GPUs qualify.
  return gpu.available && !gpu.fallback ? 'webgpu' : 'wasm';
}

/** Session creation failed: either ORT itself could not start (its files) or the model is not one it can load. */
function sessionError(e: unknown, device: WebDevice): SiameseError {
  const message = e instanceof Error ? e.message : String(e);
  if (/no available backend/i.test(message)) {
    return new SiameseError(
      'BACKEND',
      `onnxruntime-web could not start its ${device} backend (${message}); check that its .mjs/.wasm files are served where it looks (option wasmPaths) as text/javascript and application/wasm`,
      { device },
      { cause: e },
    );
  }
  return new SiameseError('MODEL_INVALID', `onnxruntime-web cannot load the model: ${message}`, {}, { cause: e });
}

/**
 * Refuses option values a caller can get wrong (e.g. the Node SDK's 'cuda'), instead of guessing. (`threads` is
 * checked with the options both SDKs share: core's resolveLoadOptions.)
 */
export function assertBackendOptions(options: OrtBackendOptions): void {
  const { device } = options;
  if (device !== undefined && device !== 'auto' && device !== 'webgpu' && device !== 'wasm') {
    throw new SiameseError('INVALID_ARGUMENT', `device must be 'auto', 'webgpu' or 'wasm', got ${JSON.stringify(device)}`);
  }
}

async function createSession(bytes: Uint8Array, device: WebDevice): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    // 3 = errors only: ORT's native warnings (e.g. "some nodes were not assigned to the preferred execution
    // providers" on WebGPU, where shape ops run on the CPU by design) reach the console as console.error otherwise.
    logSeverityLevel: 3,
  });
}

/** The core's InferenceQueue serialises and coalesces calls to `run`, so the session never sees two at once. */
export class OrtWebBackend implements EmbeddingBackend {
  private session: ort.InferenceSession | undefined;

  private constructor(
    session: ort.InferenceSession,
    readonly device: WebDevice,
    /** wasm threads in force for this page/worker (1 on WebGPU's CPU side too). */
    readonly threads: number,
    private readonly metadata: ModelMetadata,
  ) {
    this.session = session;
  }

  /**
   * Creates the session on the chosen device and proves it with one run on a blank image (the graph takes the
   * metadata's input shape and returns its embedding size). A WebGPU session that fails to start or to run falls
   * back to wasm with one warning; on wasm the failure is the model's (MODEL_INVALID / MODEL_SHAPE).
   */
  static async create(bytes: Uint8Array, metadata: ModelMetadata, options: OrtBackendOptions = {}): Promise<OrtWebBackend> {
    const env = configureOrtEnvironment(options);
    const device = await chooseDevice(options.device ?? 'auto');
    if (device === 'webgpu') {
      try {
        return await OrtWebBackend.start(bytes, metadata, device, env.threads);
      } catch (e) {
        // The adapter existed but the WebGPU EP could not start or run (driver, limits, an op): wasm gives the same answers.
        const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error) : (e as Error);
        console.warn(`[siamese-sdk] WebGPU failed (${cause.message}); falling back to wasm`);
      }
    }
    return OrtWebBackend.start(bytes, metadata, 'wasm', env.threads);
  }

  private static async start(bytes: Uint8Array, metadata: ModelMetadata, device: WebDevice, threads: number): Promise<OrtWebBackend> {
    let session: ort.InferenceSession;
    try {
      session = await createSession(bytes, device);
    } catch (e) {
      throw sessionError(e, device);
    }
    const backend = new OrtWebBackend(session, device, threads, metadata);
    const { channels, height, width } = metadata.input;
    try {
      await backend.run(new Float32Array(channels * height * width), 1);
    } catch (e) {
      await backend.dispose();
      if (e instanceof SiameseError && e.code === 'MODEL_SHAPE') throw e;
      throw new SiameseError('MODEL_SHAPE', `the model does not run on its declared input [1, ${channels}, ${height}, ${width}]: ${(e as Error).message}`, {}, { cause: e });
    }
    return backend;
  }

  /** N preprocessed images (N×C×H×W floats) → N×D embeddings, in input order. The metadata was checked against the graph by core's readModelMetadata. */
  async run(input: Float32Array, n: number): Promise<Float32Array> {
    const session = this.session;
    if (!session) throw new SiameseError('MODEL_DISPOSED', 'the model was disposed; load it again');
    const { width, height, channels, name } = this.metadata.input;
    const feed = new ort.Tensor('float32', input, [n, channels, height, width]);
    let outputs: ort.InferenceSession.OnnxValueMapType;
    try {
      outputs = await session.run({ [name]: feed });
    } catch (e) {
      throw new SiameseError('BACKEND', `onnxruntime-web (${this.device}) failed to run the model: ${(e as Error).message}`, {}, { cause: e });
    }
    const out = outputs[this.metadata.output.name] as ort.Tensor;
    const size = this.metadata.output.size;
    try {
      if (out.type !== 'float32' || out.dims.length !== 2 || out.dims[0] !== n || out.dims[1] !== size) {
        throw new SiameseError('MODEL_SHAPE', `model output "${this.metadata.output.name}" is ${out.type} [${out.dims.join(', ')}], expected float32 [${n}, ${size}]`);
      }
      // getData() downloads from the GPU when the output lives there; on wasm it is the CPU array itself.
      return new Float32Array(await out.getData() as Float32Array);
    } finally {
      for (const value of Object.values(outputs)) (value as ort.Tensor).dispose();
    }
  }

  async dispose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.release();
  }
}
