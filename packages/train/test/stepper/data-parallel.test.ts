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
import { expectSameSteps, traceSteps, type StepTrace } from './compare-steps.js';
import { syntheticBatch } from './synthetic-batch.js';

const net = { inputSize: 28, channels: 1 as const, width: 16, depth: 4, embeddingSize: 0, l2Normalize: true };

/** 7 classes × K images: 28 rows split 14/14 (each shard holds whole and partial classes); with K = 3, 21 rows, 11/10. */
function run(loss: LossConfig, workers: number, steps: number, perClass = 4): Promise<StepTrace> {
  // A large Adam ε makes a step depend on the gradient's scale (with the default ε Adam would hide a gradient
  // counted twice, e.g. a loss parameter's reported by both workers).
  const optimizer = loss.kind === 'proxy' ? { epsilon: 0.05 } : undefined;
  return traceSteps({ net, loss, backend: 'wasm', seed: 5, workers, optimizer }, (s) => syntheticBatch(7, perClass, 28, 1, 20 + s), steps);
}

describe('data-parallel stepper (2 worker threads)', () => {
  it('finds the built worker script', () => {
    expect(existsSync(stepperWorkerScript()), `${stepperWorkerScript()} — run the package build first`).toBe(true);
  });

  const losses: LossConfig[] = [
    { kind: 'triplet', margin: 0.2, mining: 'hard' },
    { kind: 'proto' },
    { kind: 'contrastive', margin: 1 },
    // Class proxies: every worker computes their whole gradient; summed naively it would count W times.
    { kind: 'proxy', classes: 110, scale: 16, margin: 0.1 },
  ];
  for (const loss of losses) {
    it(`${loss.kind}${'mining' in loss ? ' ' + loss.mining : ''}: same losses, weights and BN statistics as one thread`, async () => {
      expectSameSteps(await run(loss, 2, 3), await run(loss, 1, 3));
    }, 120_000);
  }

  it('shards of unequal size (21 rows, 11/10): batch-norm moments combined from each shard’s own mean and spread', async () => {
    const loss: LossConfig = { kind: 'contrastive', margin: 1 };
    expectSameSteps(await run(loss, 2, 2, 3), await run(loss, 1, 2, 3));
  }, 120_000);

  it('per-block widths [8, 64, 8, 4]: the batch-norm exchange sized for the widest block, not the output', async () => {
    // 4-d output × 14 rows = 56 floats, but block 2's batch norm exchanges 2·64 + 1 = 129.
    const wide = { ...net, width: [8, 64, 8, 4] };
    const loss: LossConfig = { kind: 'contrastive', margin: 1 };
    const trace = (workers: number) => traceSteps({ net: wide, loss, backend: 'wasm', seed: 5, workers }, (s) => syntheticBatch(7, 4, 28, 1, 20 + s), 2);
    expectSameSteps(await trace(2), await trace(1));
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
