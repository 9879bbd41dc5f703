/**
 * Batch-norm groups (ghost batch norm): a step with G groups normalises each contiguous group of rows with its own
 * statistics — checked against tfjs-layers' own training-mode forward run group by group — and takes the same step
 * on one thread as on workers holding whole groups. Bad group counts are rejected before any work.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createLoss } from '../../src/losses/index.js';
import type { LossConfig } from '../../src/losses/loss.js';
import { groupRows } from '../../src/train/batch-norm-groups.js';
import { createTrainStepper } from '../../src/train/create-stepper.js';
import type { TrainStepperOptions } from '../../src/train/stepper.js';
import { expectSameSteps, traceSteps, type StepTrace } from './compare-steps.js';
import { syntheticBatch } from './synthetic-batch.js';

const net = { inputSize: 28, channels: 1 as const, width: 16, depth: 4, embeddingSize: 0, l2Normalize: true };
const loss: LossConfig = { kind: 'contrastive', margin: 1 };

/** 8 classes × 3 = 24 rows: 4 groups of 6 split classes across group boundaries. */
function run(workers: number, batchNormGroups: number): Promise<StepTrace> {
  return traceSteps({ net, loss, backend: 'wasm', seed: 5, workers, batchNormGroups }, (s) => syntheticBatch(8, 3, 28, 1, 40 + s), 3);
}

describe('batch-norm groups', () => {
  it('cuts a batch into contiguous, near-equal groups', () => {
    expect(groupRows(24, 4)).toEqual([6, 6, 6, 6]);
    expect(groupRows(10, 4)).toEqual([3, 3, 2, 2]);
    expect(() => groupRows(3, 4)).toThrow(/cannot be cut into 4/);
  });

  it('one thread, G = 2: the loss is that of tfjs-layers’ training-mode forward applied to each half on its own', async () => {
    const stepper = await createTrainStepper({ net, loss, backend: 'wasm', seed: 5, batchNormGroups: 2 });
    try {
      const batch = syntheticBatch(8, 3, 28, 1, 40);
      const expected = tf.tidy(() => {
        const x = tf.tensor4d(batch.images, [batch.n, 28, 28, 1]);
        const halves = [tf.slice(x, [0, 0, 0, 0], [12, -1, -1, -1]), tf.slice(x, [12, 0, 0, 0], [12, -1, -1, -1])];
        const embeddings = tf.concat(halves.map((h) => stepper.model.apply(h, { training: true }) as tf.Tensor2D), 0) as tf.Tensor2D;
        const whole = stepper.model.apply(x, { training: true }) as tf.Tensor2D;
        return { grouped: createLoss(loss)(embeddings, batch.labels).dataSync()[0], whole: createLoss(loss)(whole, batch.labels).dataSync()[0] };
      });
      const got = (await stepper.step(batch, 1e-3)).loss;
      expect(Math.abs(got - expected.grouped)).toBeLessThan(1e-4 * Math.max(1, expected.grouped));
      // And it is not whole-batch batch norm under another name.
      expect(Math.abs(expected.whole - expected.grouped)).toBeGreaterThan(1e-3);
    } finally {
      await stepper.dispose();
    }
  }, 60_000);

  for (const groups of [2, 4]) {
    it(`2 workers, G = ${groups}: the same losses, weights and moving statistics as one thread with G = ${groups}`, async () => {
      expectSameSteps(await run(2, groups), await run(1, groups));
    }, 120_000);
  }

  it('rejects a group count the workers cannot share, a non-positive one, and a batch smaller than G', async () => {
    const base: TrainStepperOptions = { net, loss, backend: 'wasm' };
    await expect(createTrainStepper({ ...base, workers: 2, batchNormGroups: 3 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/multiple of 2/) });
    await expect(createTrainStepper({ ...base, batchNormGroups: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const stepper = await createTrainStepper({ ...base, workers: 2, batchNormGroups: 4 });
    try {
      await expect(stepper.step(syntheticBatch(1, 3), 1e-3)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/batch-norm groups/) });
      expect(Number.isFinite((await stepper.step(syntheticBatch(4, 2), 1e-3)).loss)).toBe(true);
    } finally {
      await stepper.dispose();
    }
  }, 120_000);
});
