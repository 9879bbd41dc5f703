/**
 * The untrained Conv-4 fixture model (fixtures/models/conv4-untrained.onnx): buildEmbeddingNet's default Conv-4
 * (28×28 gray → 64-d, L2-normalised) with its seeded initial kernels and seeded random batch-norm statistics (so
 * batch norm is not the identity), exported with Omniglot preprocessing. For SDK mechanics tests (shapes, errors,
 * node/web parity) until the trained default model exists; its calibration values are placeholders.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildEmbeddingNet } from '../../src/model/index.js';
import { OMNIGLOT_PREPROCESS } from '../../src/data/image-set.js';
import type { ModelDType } from '@siamese-sdk/core';
import { exportModelToOnnx, type ActivationRanges, type OnnxExport } from '../../src/export/index.js';
import { nhwcToNchw, rng, runOrtNode, uniform, useCpuBackend } from './helpers.js';

export const FIXTURE_NAME = 'conv4-untrained-fixture';
export const FIXTURE_SEED = 7;

export function buildFixtureNet(): LayersModel {
  const model = buildEmbeddingNet({}, FIXTURE_SEED);
  const random = rng(FIXTURE_SEED);
  for (const w of model.weights) {
    const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
    const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    const range: Record<string, [number, number]> = { gamma: [0.5, 1.5], beta: [-0.2, 0.2], moving_mean: [-0.3, 0.3], moving_variance: [0.3, 2] };
    if (range[short]) w.write(tf.tensor(uniform(n, random, ...range[short]), w.shape as number[]));
  }
  return model;
}

export function exportFixture(model: LayersModel, dtype: ModelDType = 'fp32', activationRanges?: ActivationRanges): OnnxExport {
  return exportModelToOnnx(model, {
    dtype,
    activationRanges,
    metadata: {
      name: FIXTURE_NAME,
      preprocess: OMNIGLOT_PREPROCESS.preprocess,
      calibration: { threshold: 1, plattA: 6, plattB: -6 },
      training: { note: 'untrained: seeded initial weights and random batch-norm statistics; calibration values are placeholders', seed: FIXTURE_SEED, net: 'conv4' },
      createdAt: '2026-11-29T00:00:00.000Z',
    },
  });
}

export interface FixtureReference {
  model: LayersModel;
  /** n seeded 28×28 gray images in [0, 1), NHWC, and the same batch NCHW (the ONNX input layout). */
  x: Float32Array;
  nchw: Float32Array;
  /** The fp32 export's embeddings of the batch, run in onnxruntime-node: what the other storage types are held to. */
  fp32Output: Float32Array;
}

/** The fixture net on the cpu backend, a seeded batch of `n` images, and its fp32 export's output on that batch. */
export async function fixtureReference(n: number, seed: number): Promise<FixtureReference> {
  await useCpuBackend();
  const model = buildFixtureNet();
  const x = uniform(n * 28 * 28, rng(seed), 0, 1);
  const nchw = nhwcToNchw(x, n, 28, 28, 1);
  const fp32Output = (await runOrtNode(exportFixture(model, 'fp32').bytes, nchw, [n, 1, 28, 28])).output;
  return { model, x, nchw, fp32Output };
}
