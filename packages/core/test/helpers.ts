import { EmbeddingModel, METADATA_SCHEMA, METADATA_VERSION, type EmbeddingBackend, type ModelMetadata, type RawImage, validateModelMetadata } from '../src/index.js';

/** The record of a Conv-4 embedder as the exporter writes it: 1×28×28 → 64-d unit vectors. */
export function conv4Metadata(overrides: Partial<ModelMetadata> = {}): ModelMetadata {
  return {
    schema: METADATA_SCHEMA,
    version: METADATA_VERSION,
    name: 'test-model',
    input: { name: 'input', layout: 'NCHW', width: 28, height: 28, channels: 1 },
    preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] },
    output: { name: 'embedding', size: 64, normalized: true },
    distance: 'euclidean',
    calibration: { threshold: 0.9, plattA: 8, plattB: -7 },
    producer: { name: '@siamese-sdk/train', version: '0.1.0' },
    createdAt: '2026-11-29T16:00:00.000Z',
    ...overrides,
  };
}

/** A valid metadata record for a tiny 1×8×8 → 4-d model. */
export function tinyMetadata(overrides: Partial<ModelMetadata> = {}): ModelMetadata {
  return validateModelMetadata({
    schema: 'siamese-sdk/model-metadata',
    version: 1,
    name: 'tiny-linear',
    input: { name: 'image', layout: 'NCHW', width: 8, height: 8, channels: 1 },
    preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] },
    output: { name: 'embedding', size: 4, normalized: false },
    distance: 'euclidean',
    calibration: { threshold: 0.8, plattA: 6, plattB: -4 },
    producer: { name: 'test', version: '0' },
    createdAt: '2026-01-01T00:00:00Z',
    ...overrides,
  });
}

/**
 * A real (pure-JS) backend: a fixed 64 → 4 linear projection. Lets the core's batching, normalisation and
 * ranking be checked against a direct computation without any runtime.
 */
export class LinearBackend implements EmbeddingBackend {
  readonly device = 'js';
  readonly runs: number[] = [];
  disposed = false;
  delayMs = 0;
  readonly weights: Float32Array;
  constructor(readonly inSize = 64, readonly outSize = 4, readonly extraOutputs = 0) {
    this.weights = new Float32Array(inSize * outSize).map((_, i) => Math.sin(i * 1.7) + Math.cos(i * 0.3));
  }
  project(x: Float32Array, offset = 0): Float32Array {
    const out = new Float32Array(this.outSize);
    for (let o = 0; o < this.outSize; o++) for (let i = 0; i < this.inSize; i++) out[o] += this.weights[o * this.inSize + i] * x[offset + i];
    return out;
  }
  async run(input: Float32Array, n: number): Promise<Float32Array> {
    if (this.disposed) throw new Error('run after dispose');
    this.runs.push(n);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const out = new Float32Array(n * this.outSize + this.extraOutputs);
    for (let k = 0; k < n; k++) out.set(this.project(input, k * this.inSize), k * this.outSize);
    return out;
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

/** An 8×8 gray image with a bright square at (x, y). */
export function squareImage(x: number, y: number, size = 3): RawImage {
  const data = new Uint8Array(64).fill(255);
  for (let j = y; j < Math.min(8, y + size); j++) for (let i = x; i < Math.min(8, x + size); i++) data[j * 8 + i] = 0;
  return { data, width: 8, height: 8, channels: 1 };
}

export function makeModel(backend = new LinearBackend(), batchSize?: number, metadata = tinyMetadata()): EmbeddingModel<RawImage> {
  return new EmbeddingModel<RawImage>({ metadata, backend, decode: (image) => image, fingerprint: 'f00dfeedf00dfeed', batchSize });
}
