/**
 * The single-thread stepper on wasm with our kernels: the loss falls on a learnable batch, no tensors leak,
 * checkpoints resume a run exactly, embeddings are inference-mode and chunked, and bad input is rejected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { isSiameseError } from '@siamese-sdk/core';
import { createTrainStepper } from '../../src/train/create-stepper.js';
import type { TrainStepper, TrainStepperOptions } from '../../src/train/stepper.js';
import { syntheticBatch } from './synthetic-batch.js';

const options: TrainStepperOptions = {
  net: { inputSize: 28, channels: 1, width: 16, depth: 4, embeddingSize: 0, l2Normalize: true },
  loss: { kind: 'triplet', margin: 0.2, mining: 'hard' },
  backend: 'wasm',
  seed: 11,
};

async function expectInvalid(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(isSiameseError(error, 'INVALID_ARGUMENT'), String(error)).toBe(true);
  expect(String((error as Error).message)).toMatch(pattern);
}

describe('single-thread stepper', () => {
  let stepper: TrainStepper;
  beforeAll(async () => {
    stepper = await createTrainStepper(options);
  });
  afterAll(async () => {
    await stepper.dispose();
  });

  it('runs on wasm and lowers the loss on a learnable batch without leaking tensors', async () => {
    expect(stepper.backend).toBe('wasm');
    expect(stepper.workers).toBe(1);
    const batch = syntheticBatch(8, 4);
    const losses: number[] = [];
    const tensorCounts: number[] = [];
    for (let i = 0; i < 12; i++) {
      losses.push((await stepper.step(batch, 3e-3)).loss);
      tensorCounts.push(tf.memory().numTensors);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.7);
    // Flat after the first step (which may create lazily initialised state).
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
  });

  it('embeds in inference mode, in chunks, matching model.predict', async () => {
    const batch = syntheticBatch(10, 30, 28, 1, 2); // 300 images: more than one 256-image chunk
    const embedded = await stepper.embed(batch.images, batch.n);
    const reference = tf.tidy(
      () => (stepper.model.predict(tf.tensor4d(batch.images, [batch.n, 28, 28, 1])) as tf.Tensor).dataSync() as Float32Array,
    );
    expect(embedded.length).toBe(300 * 16);
    let maxDiff = 0;
    for (let i = 0; i < embedded.length; i++) maxDiff = Math.max(maxDiff, Math.abs(embedded[i] - reference[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    // Inference mode: one image's embedding does not depend on the rest of the batch.
    const alone = await stepper.embed(batch.images.slice(0, 784), 1);
    for (let k = 0; k < 16; k++) expect(alone[k]).toBeCloseTo(embedded[k], 5);
    expect((await stepper.embed(new Float32Array(0), 0)).length).toBe(0);
  });

  it('rejects malformed batches and learning rates before any work', async () => {
    const batch = syntheticBatch(2, 2);
    await expectInvalid(stepper.step({ ...batch, n: 5 }, 1e-3), /expected 5 images/);
    await expectInvalid(stepper.step({ ...batch, labels: new Int32Array(3) }, 1e-3), /labels/);
    await expectInvalid(stepper.step(batch, 0), /learning rate/);
    await expectInvalid(stepper.step(batch, Number.NaN), /learning rate/);
    await expectInvalid(stepper.embed(new Float32Array(10), 1), /expected 1 images/);
  });
});

describe('checkpoint state', () => {
  it('a resumed run continues exactly: weights, Adam moments and step count by name', async () => {
    const batches = [1, 2, 3, 4, 5].map((s) => syntheticBatch(4, 4, 28, 1, s));
    const original = await createTrainStepper(options);
    for (const b of batches.slice(0, 3)) await original.step(b, 2e-3);
    const state = await original.getState();
    expect(state.step).toBe(3);
    expect(Object.keys(state.weights)).toContain('block1_conv/kernel');
    expect(Object.keys(state.weights)).toContain('block1_bn/moving_mean');
    expect(Object.keys(state.optimizer)).toContain('block1_conv/kernel/adam_m');
    const continued = [(await original.step(batches[3], 2e-3)).loss, (await original.step(batches[4], 2e-3)).loss];

    // A fresh stepper with other initial weights picks the state up and reproduces the same losses.
    const resumed = await createTrainStepper({ ...options, seed: 99 });
    await resumed.setState(state);
    const replayed = [(await resumed.step(batches[3], 2e-3)).loss, (await resumed.step(batches[4], 2e-3)).loss];
    expect(replayed).toEqual(continued);
    expect((await resumed.getState()).step).toBe(5);

    // An incompatible checkpoint is refused and leaves the model untouched.
    const before = (await resumed.getState()).weights['block1_conv/kernel'].values.slice();
    const broken = { ...state, weights: { ...state.weights, 'block1_conv/kernel': { shape: [3, 3, 1, 8], values: new Float32Array(72) } } };
    await expect(resumed.setState(broken)).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
    expect((await resumed.getState()).weights['block1_conv/kernel'].values).toEqual(before);
    await original.dispose();
    await resumed.dispose();
  });
});

describe('a loss with its own parameters (class proxies)', () => {
  const proxyOptions: TrainStepperOptions = { ...options, loss: { kind: 'proxy', classes: 110, scale: 16, margin: 0.1 } };

  it('trains the proxies with the network, checkpoints them and resumes exactly; a checkpoint without them is refused', async () => {
    const batches = [0, 1, 2, 3].map((i) => syntheticBatch(6, 4, 28, 1, 40 + i)); // labels 100…105
    const original = await createTrainStepper(proxyOptions);
    const first = (await original.getState()).weights['loss/proxies'];
    expect(first.shape).toEqual([110, 16]);
    const losses = [];
    for (const b of batches.slice(0, 2)) losses.push((await original.step(b, 3e-3)).loss);
    const state = await original.getState();
    expect(Object.keys(state.optimizer)).toContain('loss/proxies/adam_m');
    // The batch's classes' proxies moved; a class never in a batch still moved (pushed away as a negative).
    const moved = (row: number) => Math.max(...Array.from({ length: 16 }, (_, j) => Math.abs(state.weights['loss/proxies'].values[row * 16 + j] - first.values[row * 16 + j])));
    expect(moved(103)).toBeGreaterThan(1e-3);
    expect(moved(7)).toBeGreaterThan(0);
    const continued = [(await original.step(batches[2], 3e-3)).loss, (await original.step(batches[3], 3e-3)).loss];

    const resumed = await createTrainStepper({ ...proxyOptions, seed: 99 });
    await resumed.setState(state);
    expect([(await resumed.step(batches[2], 3e-3)).loss, (await resumed.step(batches[3], 3e-3)).loss]).toEqual(continued);
    const { ['loss/proxies']: _dropped, ...withoutProxies } = state.weights;
    await expect(resumed.setState({ ...state, weights: withoutProxies })).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID', message: expect.stringContaining('loss/proxies') });
    await original.dispose();
    await resumed.dispose();
  });

  it('a label beyond the configured classes is an INVALID_ARGUMENT, and the stepper goes on', async () => {
    const stepper = await createTrainStepper({ ...proxyOptions, loss: { kind: 'proxy', classes: 104 } });
    try {
      await expectInvalid(stepper.step(syntheticBatch(6, 2), 1e-3), /label 104 is outside the 104 training classes/);
      expect(Number.isFinite((await stepper.step(syntheticBatch(4, 2), 1e-3)).loss)).toBe(true);
    } finally {
      await stepper.dispose();
    }
  });
});

describe('createTrainStepper validation', () => {
  it('rejects bad options with INVALID_ARGUMENT before starting anything', async () => {
    await expectInvalid(createTrainStepper({ ...options, loss: { kind: 'triplet', margin: 0, mining: 'hard' } }), /margin/);
    await expectInvalid(createTrainStepper({ ...options, loss: { kind: 'nope' } as never }), /Unknown loss/);
    await expectInvalid(createTrainStepper({ ...options, workers: 0 }), /workers/);
    await expectInvalid(createTrainStepper({ ...options, net: { ...options.net, width: -1 } }), /width/);
    await expectInvalid(createTrainStepper({ ...options, backend: 'gpu' as never }), /backend/);
  });
});
