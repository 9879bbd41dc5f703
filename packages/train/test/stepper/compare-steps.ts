/**
 * Runs a few training steps and compares two runs: what the tests that require two ways of stepping (one thread
 * and data-parallel workers, with or without batch-norm groups) to take the same steps both need.
 */
import { expect } from 'vitest';
import { createTrainStepper } from '../../src/train/create-stepper.js';
import type { ImageBatch, TrainStepperOptions } from '../../src/train/stepper.js';

export interface StepTrace {
  losses: number[];
  /** One conv kernel and one batch-norm layer's moving statistics after the last step. */
  weights: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
  /** The loss's class proxies, when it has them. */
  proxies?: Float32Array;
}

export async function traceSteps(options: TrainStepperOptions, batchAt: (step: number) => ImageBatch, steps: number): Promise<StepTrace> {
  const stepper = await createTrainStepper(options);
  try {
    expect(stepper.workers).toBe(options.workers ?? 1);
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) losses.push((await stepper.step(batchAt(s), 1e-3)).loss);
    const { weights } = await stepper.getState();
    return {
      losses,
      weights: weights['block2_conv/kernel'].values,
      movingMean: weights['block3_bn/moving_mean'].values,
      movingVariance: weights['block3_bn/moving_variance'].values,
      ...(weights['loss/proxies'] ? { proxies: weights['loss/proxies'].values } : {}),
    };
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

/** The same losses, weights and moving statistics, up to float rounding. */
export function expectSameSteps(actual: StepTrace, expected: StepTrace): void {
  expect(actual.losses).toHaveLength(expected.losses.length);
  actual.losses.forEach((loss, s) => expect(Math.abs(loss - expected.losses[s]), `step ${s} loss`).toBeLessThan(1e-4 * Math.max(1, expected.losses[s])));
  expect(maxRelative(actual.weights, expected.weights), 'weights').toBeLessThan(1e-3);
  expect(maxRelative(actual.movingMean, expected.movingMean), 'moving mean').toBeLessThan(1e-4);
  expect(maxRelative(actual.movingVariance, expected.movingVariance), 'moving variance').toBeLessThan(1e-4);
  expect(actual.proxies === undefined, 'proxies present in both or neither').toBe(expected.proxies === undefined);
  if (actual.proxies && expected.proxies) expect(maxRelative(actual.proxies, expected.proxies), 'proxies').toBeLessThan(1e-3);
}
