/**
 * Shared by the exporter tests: a seeded cpu-backend tfjs, random weights, and running an exported model in the
 * real onnxruntime-node and onnxruntime-web (wasm, single-threaded, in Node).
 */
import { mulberry32 } from '@siamese-sdk/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import * as ortNode from 'onnxruntime-node';
import type { ExportMetadataInput } from '../../src/export/index.js';

export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Mulberry32 (core's): a small seeded PRNG, so every test model and input is the same on every run. */
export const rng = mulberry32;

export function uniform(n: number, random: () => number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * random());
}

/**
 * Replaces every weight with seeded random values of a sensible scale: kernels variance-preserving (so deep nets
 * stay O(1)), biases and batch-norm shifts/means small but non-zero, variances and scales positive and away from 1
 * (so a batch norm that was dropped or mis-axed shows).
 */
export function randomizeWeights(model: LayersModel, seed: number): void {
  const random = rng(seed);
  const values = model.weights.map((w) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
    if (short === 'moving_variance') return tf.tensor(uniform(n, random, 0.3, 2), shape);
    if (short === 'gamma') return tf.tensor(uniform(n, random, 0.5, 1.5), shape);
    if (short.endsWith('kernel') && shape.length >= 2) {
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1) / (short === 'depthwise_kernel' ? shape[shape.length - 2] : 1);
      const limit = Math.sqrt(3 / Math.max(1, fanIn));
      return tf.tensor(uniform(n, random, -limit, limit), shape);
    }
    return tf.tensor(uniform(n, random, -0.5, 0.5), shape);
  });
  model.setWeights(values);
  values.forEach((v) => v.dispose());
}

/** NHWC → NCHW for a batch of `n` images. */
export function nhwcToNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch];
  return out;
}

/** tfjs predict (inference mode) on an NHWC batch. */
export function predictTf(model: LayersModel, nhwc: Float32Array, n: number): Float32Array {
  const [, h, w, c] = model.inputs[0].shape as number[];
  return tf.tidy(() => {
    const y = model.predict(tf.tensor4d(nhwc, [n, h, w, c])) as tf.Tensor;
    return y.dataSync().slice() as Float32Array;
  });
}

export interface OrtRun {
  output: Float32Array;
  dims: readonly number[];
}

export async function runOrtNode(bytes: Uint8Array, nchw: Float32Array, dims: number[], level: 'disabled' | 'all' = 'all'): Promise<OrtRun> {
  const session = await ortNode.InferenceSession.create(bytes, { graphOptimizationLevel: level, intraOpNumThreads: 1 });
  try {
    const result = await session.run({ input: new ortNode.Tensor('float32', nchw, dims) });
    const y = result.embedding;
    return { output: Float32Array.from(y.data as Float32Array), dims: y.dims };
  } finally {
    await session.release();
  }
}

type OrtWeb = typeof import('onnxruntime-web');
let ortWebPromise: Promise<OrtWeb> | undefined;

/** onnxruntime-web's wasm backend inside Node, one thread (what the web SDK runs in a browser). */
export function loadOrtWeb(): Promise<OrtWeb> {
  ortWebPromise ??= import('onnxruntime-web').then((ort) => {
    ort.env.wasm.numThreads = 1;
    return ort;
  });
  return ortWebPromise;
}

export async function runOrtWeb(bytes: Uint8Array, nchw: Float32Array, dims: number[]): Promise<OrtRun> {
  const ort = await loadOrtWeb();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const result = await session.run({ input: new ort.Tensor('float32', nchw, dims) });
    const y = result.embedding;
    return { output: Float32Array.from(y.data as Float32Array), dims: y.dims };
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

/** The smallest row-wise dot product of two [n × dim] batches of unit vectors: their worst cosine similarity. */
export function minRowCosine(a: Float32Array, b: Float32Array, dim: number): number {
  let min = 1;
  for (let i = 0; i < a.length / dim; i++) {
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += a[i * dim + j] * b[i * dim + j];
    min = Math.min(min, dot);
  }
  return min;
}

/** An exported file run in each runtime the SDKs use: onnxruntime-node optimised and unoptimised, and -web. */
export function ortRuntimes(bytes: Uint8Array, nchw: Float32Array, dims: number[]): [string, () => Promise<OrtRun>][] {
  return [
    ['node/all', () => runOrtNode(bytes, nchw, dims, 'all')],
    ['node/disabled', () => runOrtNode(bytes, nchw, dims, 'disabled')],
    ['web', () => runOrtWeb(bytes, nchw, dims)],
  ];
}

/** Metadata for test exports (a valid record; values are placeholders where a test does not care). */
export function testMetadata(channels: 1 | 3, name = 'test-export'): ExportMetadataInput {
  return {
    name,
    preprocess: { resize: 'area', background: [255, 255, 255], invert: channels === 1, mean: Array(channels).fill(0), std: Array(channels).fill(1) },
    calibration: { threshold: 1, plattA: 5, plattB: -5 },
    createdAt: '2026-11-29T00:00:00.000Z',
  };
}

/** Python with the `onnx` package (Debian's python3-onnx lives in /usr/bin/python3), or undefined. */
export async function findPythonWithOnnx(): Promise<string | undefined> {
  const { spawnSync } = await import('node:child_process');
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import onnx'], { stdio: 'ignore' });
    if (r.status === 0) return python;
  }
  return undefined;
}
