/**
 * Data-parallel stepping with worker threads must compute the same step as one thread: whole-batch batch-norm
 * statistics and a whole-batch loss (mining and episodes see every class), gradients summed over shards.
 *
 * The workers run dist/stepper-worker.js: these tests need the package built first (`pnpm build`; the repo's
 * `pnpm test` builds before testing).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createTrainStepper } from '../../src/train/create-stepper.js';
import { stepperWorkerScript } from '../../src/train/data-parallel.js';
import type { LossConfig } from '../../src/losses/loss.js';
import type { TrainStepperOptions } from '../../src/train/stepper.js';
import { syntheticBatch } from './synthetic-batch.js';

const net = { inputSize: 28, channels: 1 as const, width: 16, depth: 4, embeddingSize: 0, l2Normalize: true };

async function runSteps(loss: LossConfig, workers: number, steps: number, perClass = 4): Promise<{ losses: number[]; weights: Float32Array; moving: Float32Array }> {
  const options: TrainStepperOptions = { net, loss, backend: 'wasm', seed: 5, workers };
  const stepper = await createTrainStepper(options);
  try {
    expect(stepper.workers).toBe(workers);
    const losses: number[] = [];
    // 7 classes × 4: 28 rows, split 14/14 — each shard holds whole and partial classes. (× 3: 21 rows, 11/10.)
    for (let s = 0; s < steps; s++) losses.push((await stepper.step(syntheticBatch(7, perClass, 28, 1, 20 + s), 1e-3)).loss);
    const state = await stepper.getState();
    return { losses, weights: state.weights['block2_conv/kernel'].values, moving: state.weights['block3_bn/moving_variance'].values };
  } finally {
    await stepper.dispose();
  }
}

function maxRelative(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return diff / ref;
}

describe('data-parallel stepper (2 worker threads)', () => {
  it('finds the built worker script', () => {
    expect(existsSync(stepperWorkerScript()), `${stepperWorkerScript()} — run the package build first`).toBe(true);
  });

  const losses: LossConfig[] = [
    { kind: 'triplet', margin: 0.2, mining: 'hard' },
    { kind: 'proto' },
    { kind: 'contrastive', margin: 1 },
  ];
  for (const loss of losses) {
    it(`${loss.kind}${'mining' in loss ? ' ' + loss.mining : ''}: same losses, weights and BN statistics as one thread`, async () => {
      const single = await runSteps(loss, 1, 3);
      const parallel = await runSteps(loss, 2, 3);
      for (let s = 0; s < 3; s++) expect(Math.abs(parallel.losses[s] - single.losses[s])).toBeLessThan(1e-4 * Math.max(1, single.losses[s]));
      expect(maxRelative(parallel.weights, single.weights)).toBeLessThan(1e-3);
      expect(maxRelative(parallel.moving, single.moving)).toBeLessThan(1e-4);
    }, 120_000);
  }

  it('shards of unequal size (21 rows, 11/10): batch-norm moments combined from each shard’s own mean and spread', async () => {
    const loss: LossConfig = { kind: 'contrastive', margin: 1 };
    const single = await runSteps(loss, 1, 2, 3);
    const parallel = await runSteps(loss, 2, 2, 3);
    for (let s = 0; s < 2; s++) expect(Math.abs(parallel.losses[s] - single.losses[s])).toBeLessThan(1e-4 * Math.max(1, single.losses[s]));
    expect(maxRelative(parallel.weights, single.weights)).toBeLessThan(1e-3);
    expect(maxRelative(parallel.moving, single.moving)).toBeLessThan(1e-4);
  }, 120_000);

  it('rejects a batch smaller than the number of workers, and a bad episode, without breaking the workers', async () => {
    const stepper = await createTrainStepper({ net, loss: { kind: 'proto' }, backend: 'wasm', workers: 2 });
    try {
      const tiny = syntheticBatch(1, 1);
      await expect(stepper.step(tiny, 1e-3)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      const lonely = syntheticBatch(3, 2);
      lonely.labels[5] = 999; // a class with a single example: no query for it
      await expect(stepper.step(lonely, 1e-3)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(Number.isFinite((await stepper.step(syntheticBatch(3, 2), 1e-3)).loss)).toBe(true);
    } finally {
      await stepper.dispose();
    }
  }, 120_000);
});
