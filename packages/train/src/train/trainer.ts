/**
 * The training loop: batches from the sampler, Adam steps through a TrainStepper (one thread or data-parallel
 * workers — see ./stepper.ts), the learning-rate schedule, validation K-way N-shot accuracy every `valEvery`
 * steps, the best checkpoint kept, and `last` checkpoints for resuming.
 *
 * Resuming loses nothing: a checkpoint holds weights, Adam state, the step, both RNG states (sampling and
 * augmentation) and the best-so-far metrics, and metrics.jsonl is cut back to the checkpoint's step, so a run
 * killed and resumed draws the same batches from that step on as one that was never interrupted.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SiameseError, type PreprocessTarget } from '@siamese-sdk/core';
import { hasCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointInfo } from '../checkpoint/checkpoint.js';
import { initFromRun, type InitSource } from '../checkpoint/init-from-run.js';
import type { ClassPool } from '../data/class-pool.js';
import { embedPool } from '../eval/evaluate.js';
import { fewShotAccuracy } from '../eval/few-shot.js';
import type { LossConfig } from '../losses/loss.js';
import { DEFAULT_NET_CONFIG, type NetConfig } from '../model/net-config.js';
import type { RngState } from '../sampling/rng.js';
import { checkBatchNormGroups } from './batch-norm-groups.js';
import { BatchSource, type SamplerKind } from './batch-source.js';
import { learningRate, type LrSchedule } from './lr-schedule.js';
import { MetricsLog, type ValMetric } from './metrics-log.js';
import type { BackendPreference, CreateTrainStepper, TrainStepper } from './stepper.js';

export interface TrainerConfig {
  net: NetConfig;
  loss: LossConfig;
  steps: number;
  /** P: classes per batch. */
  classesPerBatch: number;
  /** K: images per class in a batch (proto: first half support, second half query). */
  imagesPerClass: number;
  sampler: SamplerKind;
  /** pk: draw each batch's P classes from this many groups (Omniglot alphabets) for within-group negatives; 0 = from all classes. */
  groupsPerBatch: number;
  /** Adam base learning rate. */
  lr: number;
  schedule: LrSchedule;
  /** Koch et al. affine distortions of training images. */
  augment: boolean;
  seed: number;
  /** Validate every N steps (and at the end). */
  valEvery: number;
  valWay: number;
  valShot: number;
  valEpisodes: number;
  /** Cap on validation images per class (speed); Infinity = all. */
  valMaxPerClass: number;
  /** Write the `last` checkpoint every N steps (and at the end, and when stopped). */
  checkpointEvery: number;
  /** Append a training-loss line to metrics.jsonl every N steps. */
  logEvery: number;
  workers: number;
  /** Batch-norm groups per batch (ghost batch norm): 1 = whole batch; G > 1 a multiple of `workers`. */
  batchNormGroups: number;
  backend: BackendPreference;
  /**
   * How the wasm backend runs the 3×3 stride-1 convolutions the Winograd route accepts (see
   * backend/kernels/winograd-conv.ts): 'winograd' (F(2×2, 3×3), ~1.7× faster Conv-4 steps; absent = this) or
   * 'direct' (XNNPACK's convolution, what every run used before the Winograd route — the shipped models among
   * them). Float32 rounding differs, so 'direct' is what can repeat such a run exactly (checked over the first 30
   * steps of the default model's run); the CLI resumes runs recorded without this field with 'direct'. Other
   * backends ignore it.
   */
  convolutions?: Convolutions;
  /**
   * Start from this run's network (its best checkpoint, else its last) instead of a random one: fine-tuning, or a
   * second training phase with other settings. Adam, the schedule and loss parameters start fresh. Absent = random.
   */
  initFrom?: string;
}

export const DEFAULT_TRAINER_CONFIG: TrainerConfig = {
  net: DEFAULT_NET_CONFIG,
  loss: { kind: 'proto' },
  steps: 1000,
  classesPerBatch: 16,
  imagesPerClass: 8,
  sampler: 'pk',
  groupsPerBatch: 0,
  lr: 1e-3,
  schedule: { kind: 'step' },
  augment: true,
  seed: 1,
  valEvery: 100,
  valWay: 20,
  valShot: 1,
  valEpisodes: 500,
  valMaxPerClass: 20,
  checkpointEvery: 50,
  logEvery: 10,
  workers: 1,
  batchNormGroups: 1,
  backend: 'auto',
  convolutions: 'winograd',
};

export type Convolutions = 'winograd' | 'direct';
export const CONVOLUTIONS: readonly Convolutions[] = ['winograd', 'direct'];

export interface TrainData {
  train: ClassPool;
  val: ClassPool;
  preprocess: PreprocessTarget;
  /** JSON facts to store with checkpoints (dataset source, split), enough to rebuild the same split. */
  description: Record<string, unknown>;
}

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  imagesPerSec: number;
  etaSeconds: number;
  lastVal?: ValMetric;
  bestAccuracy?: number;
}

export interface TrainOptions {
  outDir: string;
  /** Continue from `<outDir>/checkpoints/last.json` if it exists. */
  resume?: boolean;
  /** Defaults to the package's createTrainStepper. */
  createStepper?: CreateTrainStepper;
  /** Checked after each step: true = write a `last` checkpoint and return (Ctrl-C, tests simulating a kill). */
  shouldStop?: (step: number) => boolean;
  onProgress?: (p: TrainProgress) => void;
  onValidation?: (m: ValMetric) => void;
  onLog?: (message: string) => void;
}

export interface TrainResult {
  outDir: string;
  /** Step reached (== config.steps when completed). */
  step: number;
  completed: boolean;
  resumedFrom?: number;
  best?: { step: number; accuracy: number };
  /** Training seconds, across resumes. */
  seconds: number;
  backend: string;
  workers: number;
  config: TrainerConfig;
}

export function checkpointDir(outDir: string): string {
  return join(outDir, 'checkpoints');
}

export function validateTrainerConfig(c: TrainerConfig): void {
  const posInt = (name: keyof TrainerConfig, min = 1): void => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new SiameseError('INVALID_ARGUMENT', `${name} must be an integer ≥ ${min}, got ${String(v)}`);
  };
  posInt('steps');
  posInt('classesPerBatch', 2);
  posInt('imagesPerClass', c.sampler === 'pk' ? 2 : 1);
  if (!Number.isInteger(c.groupsPerBatch) || c.groupsPerBatch < 0) throw new SiameseError('INVALID_ARGUMENT', `groupsPerBatch must be an integer ≥ 0, got ${String(c.groupsPerBatch)}`);
  if (c.groupsPerBatch > 0 && c.sampler !== 'pk') throw new SiameseError('INVALID_ARGUMENT', 'groupsPerBatch needs the pk sampler');
  checkBatchNormGroups(c.batchNormGroups, c.workers);
  posInt('valEvery');
  posInt('valWay', 2);
  posInt('valShot');
  posInt('valEpisodes');
  posInt('checkpointEvery');
  posInt('logEvery');
  posInt('workers');
  if (c.convolutions !== undefined && !CONVOLUTIONS.includes(c.convolutions)) {
    throw new SiameseError('INVALID_ARGUMENT', `convolutions must be one of ${CONVOLUTIONS.join(', ')}, got ${String(c.convolutions)}`);
  }
  if (!(c.lr > 0 && Number.isFinite(c.lr))) throw new SiameseError('INVALID_ARGUMENT', `lr must be a positive number, got ${c.lr}`);
}

/**
 * The proxy loss needs one proxy per training class: the count comes from the training split unless the config
 * names it, and then it must match (labels are the split's class indices).
 */
export function lossForClasses(loss: LossConfig, classes: number): LossConfig {
  if (loss.kind !== 'proxy') return loss;
  if (loss.classes !== undefined && loss.classes !== classes) {
    throw new SiameseError('INVALID_ARGUMENT', `The proxy loss was configured for ${loss.classes} classes, the training split has ${classes}`, {
      classes: loss.classes,
    });
  }
  return { ...loss, classes };
}

async function defaultCreateStepper(): Promise<CreateTrainStepper> {
  const { createTrainStepper } = await import('./create-stepper.js');
  return createTrainStepper;
}

export async function train(trainerConfig: TrainerConfig, data: TrainData, options: TrainOptions): Promise<TrainResult> {
  validateTrainerConfig(trainerConfig);
  const config = { ...trainerConfig, loss: lossForClasses(trainerConfig.loss, data.train.classes.length) };
  if (data.train.classes.length < config.classesPerBatch && config.sampler === 'pk') {
    throw new SiameseError('INVALID_ARGUMENT', `a batch needs ${config.classesPerBatch} classes, the training split has ${data.train.classes.length}; lower --batch`);
  }
  const log = options.onLog ?? (() => undefined);
  const ckptDir = checkpointDir(options.outDir);
  mkdirSync(ckptDir, { recursive: true });
  const metrics = new MetricsLog(join(options.outDir, 'metrics.jsonl'));
  const create = options.createStepper ?? (await defaultCreateStepper());
  const stepper: TrainStepper = await create({
    net: config.net,
    loss: config.loss,
    workers: config.workers,
    batchNormGroups: config.batchNormGroups,
    backend: config.backend,
    kernels: config.convolutions === 'direct' ? 'ours-direct' : 'ours',
    seed: config.seed,
  });
  try {
    const source = new BatchSource(data.train, {
      sampler: config.sampler,
      classesPerBatch: config.classesPerBatch,
      imagesPerClass: config.imagesPerClass,
      groupsPerBatch: config.groupsPerBatch,
      augment: config.augment,
      seed: config.seed,
    });
    let step = 0;
    let seconds = 0;
    let best: { step: number; accuracy: number } | undefined;
    let resumedFrom: number | undefined;
    let initializedFrom: InitSource | undefined;
    // The steps since the last metrics.jsonl line: checkpointed, so a run stopped between two lines (Ctrl-C, a
    // --checkpoint-every that is not a multiple of the log interval) writes the same next line as an unbroken run.
    let window = { loss: 0, steps: 0, images: 0, seconds: 0 };
    if (options.resume && hasCheckpoint(ckptDir, 'last')) {
      const ckpt = readCheckpoint(ckptDir, 'last');
      await stepper.setState({ weights: ckpt.weights, optimizer: ckpt.optimizer, step: ckpt.manifest.step });
      source.setState(ckpt.manifest.rng);
      step = ckpt.manifest.step;
      seconds = Number(ckpt.manifest.metrics.seconds ?? 0);
      best = ckpt.manifest.metrics.best as typeof best;
      const saved = ckpt.manifest.metrics.logWindow as Partial<typeof window> | undefined;
      if (saved && [saved.loss, saved.steps, saved.images, saved.seconds].every((v) => typeof v === 'number' && Number.isFinite(v))) window = saved as typeof window;
      initializedFrom = ckpt.manifest.metrics.initializedFrom as InitSource | undefined;
      resumedFrom = step;
      metrics.truncateAfter(step);
      log(`resumed from step ${step} (${ckptDir})`);
    } else {
      metrics.truncateAfter(-1);
      if (config.initFrom !== undefined) {
        initializedFrom = await initFromRun(config.initFrom, stepper, { net: config.net, preprocess: data.preprocess });
        log(`network initialised from ${initializedFrom.run} (${initializedFrom.tag} checkpoint, step ${initializedFrom.step})`);
      }
    }

    // The batch stream's state as of the last finished step: what a checkpoint stores, so a resumed run draws the
    // very next batch. (The source itself may be one batch ahead: see the prefetch below.)
    let rngAtStep = source.getState() as Record<string, RngState>;
    const info = (at: number): CheckpointInfo => ({
      step: at,
      net: config.net,
      loss: config.loss,
      preprocess: data.preprocess,
      config: { ...config } as unknown as Record<string, unknown>,
      data: data.description,
      rng: rngAtStep,
      metrics: { seconds, best, logWindow: window, ...(initializedFrom ? { initializedFrom } : {}) },
    });
    const save = async (tag: 'last' | 'best'): Promise<void> => {
      const state = await stepper.getState();
      writeCheckpoint(ckptDir, tag, info(step), { weights: state.weights, optimizer: tag === 'best' ? {} : state.optimizer });
    };

    const hasValidation = data.val.classes.length > 0;
    if (!hasValidation) log('no validation classes (a final fit): no validation, and the last checkpoint is the result');
    const valWay = Math.min(config.valWay, data.val.classes.length);
    const validate = async (): Promise<ValMetric> => {
      const embedded = await embedPool((images, n) => stepper.embed(images, n), data.val, { maxPerClass: config.valMaxPerClass });
      // Fixed episodes (same seed every time) so successive validations differ only by the model.
      const r = fewShotAccuracy(embedded.embeddings, embedded.dim, embedded.classes, { way: valWay, shot: config.valShot, query: 1, episodes: config.valEpisodes, seed: config.seed + 7 });
      const isBest = best === undefined || r.accuracy > best.accuracy;
      if (isBest) best = { step, accuracy: r.accuracy };
      return { kind: 'val', step, accuracy: r.accuracy, ci95: r.ci95, way: valWay, shot: config.valShot, episodes: config.valEpisodes, best: isBest };
    };

    let lastVal: ValMetric | undefined;
    // The ETA divides the wall time since this loop started by its steps: validation and checkpoint writes included
    // (the step time alone left them out, so the ETA was always short).
    const loopStarted = performance.now();
    const loopFirstStep = step;
    let next = step < config.steps ? source.next() : undefined;
    while (step < config.steps) {
      const lr = learningRate(config.lr, config.schedule, step + 1, config.steps);
      const t0 = performance.now();
      const batch = next!;
      const pending = stepper.step(batch, lr);
      // Assemble (and augment) the next batch while worker threads compute this step: with data-parallel workers
      // this thread is otherwise idle until they finish, and batch assembly is serial time they would wait for.
      // (A single-thread stepper has finished its compute by now, so there it changes nothing.)
      const rngAfterBatch = source.getState() as Record<string, RngState>;
      next = step + 1 < config.steps ? source.next() : undefined;
      const { loss } = await pending;
      rngAtStep = rngAfterBatch;
      const dt = (performance.now() - t0) / 1000;
      step++;
      seconds += dt;
      if (!Number.isFinite(loss)) {
        throw new SiameseError('INVALID_ARGUMENT', `training diverged: loss is ${loss} at step ${step}; try a lower --lr (now ${config.lr})`, { step });
      }
      window = { loss: window.loss + loss, steps: window.steps + 1, images: window.images + batch.n, seconds: window.seconds + dt };
      if (step % config.logEvery === 0 || step === config.steps) {
        metrics.append({ kind: 'train', step, loss: window.loss / window.steps, lr, imagesPerSec: window.images / window.seconds, seconds });
        window = { loss: 0, steps: 0, images: 0, seconds: 0 };
      }
      // A final fit (no validation classes) has nothing to validate on: its result is the last checkpoint.
      if (hasValidation && (step % config.valEvery === 0 || step === config.steps)) {
        lastVal = await validate();
        metrics.append(lastVal);
        options.onValidation?.(lastVal);
        if (lastVal.best) await save('best');
      }
      options.onProgress?.({
        step,
        steps: config.steps,
        loss,
        lr,
        imagesPerSec: batch.n / dt,
        etaSeconds: ((config.steps - step) * (performance.now() - loopStarted)) / 1000 / (step - loopFirstStep),
        lastVal,
        bestAccuracy: best?.accuracy,
      });
      const stop = step < config.steps && (options.shouldStop?.(step) ?? false);
      if (step % config.checkpointEvery === 0 || step === config.steps || stop) await save('last');
      if (stop) {
        log(`stopped at step ${step}; resume with --resume`);
        return { outDir: options.outDir, step, completed: false, resumedFrom, best, seconds, backend: stepper.backend, workers: stepper.workers, config };
      }
    }
    return { outDir: options.outDir, step, completed: true, resumedFrom, best, seconds, backend: stepper.backend, workers: stepper.workers, config };
  } finally {
    await stepper.dispose();
  }
}
