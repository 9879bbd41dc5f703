/**
 * The training loop with the real stepper (wasm backend, a small Conv net on real Omniglot fixture images):
 * stop-and-resume equals an uninterrupted run, best/last checkpoints and metrics are written.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCheckpoint, readCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { loadRun } from '../../src/checkpoint/load-run.js';
import { poolFromSet } from '../../src/data/class-pool.js';
import { OMNIGLOT_PREPROCESS } from '../../src/data/image-set.js';
import { splitTrainVal } from '../../src/data/split.js';
import { embedPool } from '../../src/eval/evaluate.js';
import { readMetrics } from '../../src/train/metrics-log.js';
import { checkpointDir, DEFAULT_TRAINER_CONFIG, train, validateTrainerConfig, type TrainData, type TrainerConfig } from '../../src/train/trainer.js';
import { createTrainStepper } from '../../src/train/create-stepper.js';
import type { CreateTrainStepper } from '../../src/train/stepper.js';
import { loadFixtureSet, tempDir } from '../helpers.js';

const config: TrainerConfig = {
  ...DEFAULT_TRAINER_CONFIG,
  net: { inputSize: 28, channels: 1, width: 16, depth: 3, embeddingSize: 32, l2Normalize: true },
  loss: { kind: 'triplet', margin: 0.2, mining: 'semihard' },
  steps: 6,
  classesPerBatch: 6,
  imagesPerClass: 4,
  valEvery: 3,
  valWay: 5,
  valEpisodes: 50,
  checkpointEvery: 100,
  logEvery: 1,
  backend: 'wasm',
  seed: 3,
};

async function fixtureData(): Promise<TrainData> {
  const set = await loadFixtureSet();
  const split = splitTrainVal(set, { seed: 1, valGroups: ['Manipuri'] });
  return { train: split.train, val: split.val, preprocess: OMNIGLOT_PREPROCESS, description: { split: split.description } };
}

describe('train()', () => {
  it('a run stopped mid-way and resumed ends exactly where an uninterrupted run ends', async () => {
    const data = await fixtureData();
    const straight = tempDir('run-straight');
    const full = await train(config, data, { outDir: straight });
    expect(full).toMatchObject({ step: 6, completed: true, backend: 'wasm' });

    const interrupted = tempDir('run-resumed');
    const stopped = await train(config, data, { outDir: interrupted, shouldStop: (step) => step === 4 });
    expect(stopped).toMatchObject({ step: 4, completed: false });
    expect(readCheckpoint(checkpointDir(interrupted), 'last').manifest.step).toBe(4);
    const resumed = await train(config, data, { outDir: interrupted, resume: true });
    expect(resumed).toMatchObject({ step: 6, completed: true, resumedFrom: 4 });

    // Same losses step by step (same batches, same optimiser state), same final weights.
    const losses = (dir: string): number[] => readMetrics(join(dir, 'metrics.jsonl')).flatMap((m) => (m.kind === 'train' ? [m.loss] : []));
    expect(losses(interrupted)).toHaveLength(6);
    losses(interrupted).forEach((l, i) => expect(l).toBeCloseTo(losses(straight)[i], 4));
    const a = readCheckpoint(checkpointDir(straight), 'last');
    const b = readCheckpoint(checkpointDir(interrupted), 'last');
    expect(Object.keys(b.weights)).toEqual(Object.keys(a.weights));
    for (const name of Object.keys(a.weights)) {
      const x = a.weights[name].values;
      const y = b.weights[name].values;
      let maxDiff = 0;
      for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
      expect(maxDiff, name).toBeLessThan(1e-4);
    }
    expect(b.manifest.rng).toEqual(a.manifest.rng);
    // Validation ran at steps 3 and 6 in both; the best checkpoint is the better of the two.
    const vals = readMetrics(join(interrupted, 'metrics.jsonl')).filter((m) => m.kind === 'val');
    expect(vals.map((v) => v.step)).toEqual([3, 6]);
    const best = readCheckpoint(checkpointDir(interrupted), 'best').manifest;
    expect(best.metrics.best).toMatchObject({ accuracy: Math.max(...vals.map((v) => (v.kind === 'val' ? v.accuracy : 0))) });
  });

  it('a final fit (no validation classes) trains on every class, never validates, and its result is the last checkpoint', async () => {
    const set = await loadFixtureSet();
    const split = splitTrainVal(set, { seed: 1, valFraction: 0 });
    const data: TrainData = { train: split.train, val: split.val, preprocess: OMNIGLOT_PREPROCESS, description: { split: split.description } };
    expect(data.train.classes.length).toBe(set.classes.length);
    const dir = tempDir('run-final-fit');
    const logs: string[] = [];
    const result = await train({ ...config, steps: 4 }, data, { outDir: dir, onLog: (m) => logs.push(m) });
    expect(result).toMatchObject({ step: 4, completed: true, best: undefined });
    expect(logs.some((l) => l.includes('no validation classes'))).toBe(true);
    const metrics = readMetrics(join(dir, 'metrics.jsonl'));
    expect(metrics.filter((m) => m.kind === 'train')).toHaveLength(4);
    expect(metrics.some((m) => m.kind === 'val')).toBe(false);
    expect(hasCheckpoint(checkpointDir(dir), 'best')).toBe(false);
    const run = await loadRun(dir, { backend: 'wasm' });
    try {
      expect(run.tag).toBe('last');
      expect(run.manifest.step).toBe(4);
    } finally {
      await run.dispose();
    }

    // Stopped and resumed, a final fit ends where the uninterrupted one ended.
    const resumedDir = tempDir('run-final-fit-resumed');
    expect(await train({ ...config, steps: 4 }, data, { outDir: resumedDir, shouldStop: (step) => step === 2 })).toMatchObject({ step: 2, completed: false });
    expect(await train({ ...config, steps: 4 }, data, { outDir: resumedDir, resume: true })).toMatchObject({ step: 4, completed: true, resumedFrom: 2, best: undefined });
    const losses = (d: string): number[] => readMetrics(join(d, 'metrics.jsonl')).flatMap((m) => (m.kind === 'train' ? [m.loss] : []));
    losses(resumedDir).forEach((l, i) => expect(l).toBeCloseTo(losses(dir)[i], 4));
    expect(hasCheckpoint(checkpointDir(resumedDir), 'best')).toBe(false);

    // Stopped between two metrics lines (logEvery 3, stopped at step 2): the resumed run's line at step 3 still
    // averages steps 1-3, as the unbroken run's does.
    const logged = { ...config, steps: 6, logEvery: 3 };
    const unbroken = tempDir('run-log-window');
    await train(logged, data, { outDir: unbroken });
    const broken = tempDir('run-log-window-resumed');
    await train(logged, data, { outDir: broken, shouldStop: (step) => step === 2 });
    await train(logged, data, { outDir: broken, resume: true });
    const lines = (d: string) => readMetrics(join(d, 'metrics.jsonl')).flatMap((m) => (m.kind === 'train' ? [{ step: m.step, loss: m.loss }] : []));
    expect(lines(broken).map((l) => l.step)).toEqual([3, 6]);
    lines(broken).forEach((l, i) => expect(l.loss).toBeCloseTo(lines(unbroken)[i].loss, 4));
  });

  it('proxy loss: one proxy per training class, checkpointed with the weights; resuming repeats the run exactly', async () => {
    const data = await fixtureData();
    const proxyConfig: TrainerConfig = { ...config, loss: { kind: 'proxy', scale: 16, margin: 0.1, learningRateScale: 10 }, steps: 4, valEvery: 4 };
    const straight = tempDir('run-proxy-straight');
    await train(proxyConfig, data, { outDir: straight });
    const last = readCheckpoint(checkpointDir(straight), 'last');
    expect(last.manifest.loss).toEqual({ kind: 'proxy', scale: 16, margin: 0.1, learningRateScale: 10, classes: data.train.classes.length });
    expect(last.weights['loss/proxies'].shape).toEqual([data.train.classes.length, 32]);

    const interrupted = tempDir('run-proxy-resumed');
    await train(proxyConfig, data, { outDir: interrupted, shouldStop: (step) => step === 2 });
    await train(proxyConfig, data, { outDir: interrupted, resume: true });
    const resumed = readCheckpoint(checkpointDir(interrupted), 'last');
    for (const name of ['loss/proxies', 'block1_conv/kernel']) {
      const x = last.weights[name].values;
      const y = resumed.weights[name].values;
      let maxDiff = 0;
      for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
      expect(maxDiff, name).toBeLessThan(1e-4);
    }
    // The run loads for evaluation and export (the proxies come along in the checkpoint, not in the model).
    const run = await loadRun(straight, { backend: 'wasm' });
    try {
      expect(run.model.outputs[0].shape).toEqual([null, 32]);
      expect(run.model.weights.some((w) => w.originalName.includes('prox'))).toBe(false);
    } finally {
      await run.dispose();
    }
    // A class count that does not match the split is refused before any step.
    await expect(train({ ...proxyConfig, loss: { kind: 'proxy', classes: 3 } }, data, { outDir: tempDir('run-proxy-bad') })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining(`configured for 3 classes, the training split has ${data.train.classes.length}`),
    });
  });

  it('loadRun gives the best checkpoint as a model that embeds like the trained one', async () => {
    const data = await fixtureData();
    const dir = tempDir('run-load');
    await train({ ...config, steps: 3, valEvery: 3 }, data, { outDir: dir });
    const run = await loadRun(dir, { backend: 'wasm' });
    try {
      expect(run.tag).toBe('best');
      expect(run.manifest.net.embeddingSize).toBe(32);
      expect(run.model.outputs[0].shape).toEqual([null, 32]);
      const val = poolFromSet(data.val.set, [0, 1]);
      const e = await embedPool(run.embed, val);
      expect(e.dim).toBe(32);
      // L2-normalised.
      let norm = 0;
      for (let k = 0; k < 32; k++) norm += e.embeddings[k] ** 2;
      expect(norm).toBeCloseTo(1, 4);
    } finally {
      await run.dispose();
    }
  });

  it("convolutions 'direct' steps with XNNPACK's direct 3×3 convolutions, 'winograd' (the default) with ours; both learn alike", async () => {
    const data = await fixtureData();
    const kernels: string[] = [];
    const spy: CreateTrainStepper = (options) => {
      kernels.push(options.kernels ?? 'default');
      return createTrainStepper(options);
    };
    const short: TrainerConfig = { ...config, steps: 3, valEvery: 100 };
    const direct = tempDir('run-direct');
    await train({ ...short, convolutions: 'direct' }, data, { outDir: direct, createStepper: spy });
    const winograd = tempDir('run-winograd');
    await train(short, data, { outDir: winograd, createStepper: spy });
    expect(kernels).toEqual(['ours-direct', 'ours']);
    // The same batches and initial weights; only float32 rounding differs between the two routes.
    const losses = (dir: string): number[] => readMetrics(join(dir, 'metrics.jsonl')).flatMap((m) => (m.kind === 'train' ? [m.loss] : []));
    expect(losses(direct)).toHaveLength(3);
    losses(direct).forEach((l, i) => expect(Math.abs(l - losses(winograd)[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(l))));
    expect(() => validateTrainerConfig({ ...short, convolutions: 'fast' as never })).toThrow(/convolutions must be one of winograd, direct, got fast/);
  });
});
