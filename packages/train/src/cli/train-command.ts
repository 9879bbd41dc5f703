/**
 * `siamese-train --data ...`: prepare data → train (progress bar, metrics.jsonl, checkpoints) → training curve
 * (training-curve.svg) → final evaluation of the best checkpoint (report.json, report.md). Ctrl-C stops after the
 * current step with a checkpoint; `--resume` continues.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SiameseError } from '@siamese-sdk/core';
import { hasCheckpoint, readCheckpointManifest } from '../checkpoint/checkpoint.js';
import { readInitSource } from '../checkpoint/init-from-run.js';
import { ensureWritableFolder } from '../checkpoint/output-folder.js';
import { prepareData, type DataOptions } from '../data/prepare.js';
import { assertSameSplit } from '../data/split.js';
import { evaluateRun } from '../eval/evaluate-run.js';
import { taskName } from '../eval/evaluate.js';
import { readMetrics } from '../train/metrics-log.js';
import { trainingCurveSvg } from '../train/training-curve.js';
import { DEFAULT_NET_CONFIG, resolveNetConfig, sameNetOption, type NetConfig } from '../model/index.js';
import { DEFAULT_TRAINER_CONFIG, checkpointDir, train, type TrainerConfig, type TrainResult } from '../train/trainer.js';
import type { CreateTrainStepper } from '../train/stepper.js';
import { ProgressBar, formatDuration } from './progress-bar.js';
import { parseTrainArgs, type TrainCommandOptions } from './train-args.js';

/** Options given explicitly on the command line that may change a resumed run. */
const RESUME_OVERRIDES: Partial<Record<string, (c: TrainerConfig, o: TrainCommandOptions) => void>> = {
  steps: (c, o) => (c.steps = o.trainer.steps),
  workers: (c, o) => (c.workers = o.trainer.workers),
  backend: (c, o) => (c.backend = o.trainer.backend),
  conv: (c, o) => (c.convolutions = o.trainer.convolutions),
  'val-every': (c, o) => (c.valEvery = o.trainer.valEvery),
  'checkpoint-every': (c, o) => (c.checkpointEvery = o.trainer.checkpointEvery),
};

/**
 * Options a resumed run takes as given without comparing them: where things are, how fast, how long. (The dataset
 * folder may have moved; whether it still holds the run's classes is checked on the data itself, assertSameSplit.)
 */
const RESUME_FREE = new Set(['out', 'resume', 'quiet', 'data', 'omniglot-dir', 'cache-dir', 'download', 'eval-episodes', ...Object.keys(RESUME_OVERRIDES)]);

/** Where each other option lands in the recorded configuration ({ trainer, data }): a resume must not change it. */
const RESUME_FIXED: Record<string, string[]> = {
  'input-size': ['trainer.net.inputSize'],
  channels: ['trainer.net.channels'],
  alphabets: ['data.trainGroups'],
  'val-alphabets': ['data.valGroups'],
  'val-fraction': ['data.valFraction'],
  'no-rotations': ['data.rotations'],
  'no-augment': ['trainer.augment'],
  loss: ['trainer.loss.kind'],
  mining: ['trainer.loss.mining'],
  margin: ['trainer.loss.margin'],
  'proto-scale': ['trainer.loss.scale'],
  'proxy-scale': ['trainer.loss.scale'],
  'proxy-lr-scale': ['trainer.loss.learningRateScale'],
  width: ['trainer.net.width'],
  depth: ['trainer.net.depth'],
  'stem-stride': ['trainer.net.stemStride'],
  'embedding-size': ['trainer.net.embeddingSize'],
  'no-l2-normalize': ['trainer.net.l2Normalize'],
  batch: ['trainer.classesPerBatch', 'trainer.imagesPerClass'],
  sampler: ['trainer.sampler'],
  'pk-groups': ['trainer.groupsPerBatch'],
  lr: ['trainer.lr'],
  schedule: ['trainer.schedule'],
  seed: ['trainer.seed'],
  'val-way': ['trainer.valWay'],
  'val-shot': ['trainer.valShot'],
  'val-episodes': ['trainer.valEpisodes'],
  'bn-groups': ['trainer.batchNormGroups'],
  'init-from': ['trainer.initFrom'],
};

/**
 * A recorded run's trainer configuration with what runs recorded before an option existed ran with: that option's
 * default — except the convolutions, which were XNNPACK's direct ones before `--conv` existed (so such a run
 * continues exactly).
 */
export function trainerAsRecorded(recorded: TrainerConfig): TrainerConfig {
  return {
    ...DEFAULT_TRAINER_CONFIG,
    ...recorded,
    net: { ...DEFAULT_NET_CONFIG, ...recorded.net },
    convolutions: recorded.convolutions ?? 'direct',
  };
}

/** The value at a dotted path, as compared: group lists in sorted order (the split sorts them too). */
function valueAt(root: unknown, path: string): unknown {
  const value = path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), root);
  return path.endsWith('Groups') && Array.isArray(value) ? [...(value as string[])].sort() : value;
}

/**
 * A resume continues the run as it was recorded. An option given with --resume that would change it (a typical
 * case: the whole original command re-typed with a new --lr) is an error naming each difference, never ignored.
 */
function assertResumeKeepsRun(options: TrainCommandOptions, recorded: { trainer: unknown; data: unknown }, out: string): void {
  const given = { trainer: options.trainer, data: options.dataFlags };
  const changed: string[] = [];
  for (const flag of options.explicit) {
    if (RESUME_FREE.has(flag)) continue;
    const paths = RESUME_FIXED[flag];
    if (!paths) {
      changed.push(`--${flag} (cannot change on --resume)`);
      continue;
    }
    for (const path of paths) {
      const then = JSON.stringify(valueAt(recorded, path));
      const now = JSON.stringify(valueAt(given, path));
      if (then !== now) changed.push(`--${flag}: ${path.split('.').pop()} ${now ?? 'unset'}, the run has ${then ?? 'unset'}`);
    }
  }
  if (changed.length) {
    throw new SiameseError(
      'INVALID_ARGUMENT',
      `--resume continues ${out} with the settings it was trained with; these options would change it: ${changed.join('; ')}. Drop them, or train a new run with another --out`,
      { path: out },
    );
  }
}

/**
 * `--init-from`: the weights mean something only for the network and the inputs they were trained on, so the new
 * run takes the source's network options, input size, channels and preprocessing (a folder of Omniglot-like
 * images is then read as Omniglot was: area resize, inverted). An option given on the command line that differs
 * is refused here, naming it, before any data is loaded.
 */
function adoptInitSource(options: TrainCommandOptions, trainer: TrainerConfig, data: DataOptions): { trainer: TrainerConfig; data: DataOptions } {
  const from = trainer.initFrom!;
  const source = readInitSource(from);
  const net = { ...trainer.net };
  const differing: string[] = [];
  for (const key of Object.keys(source.net) as (keyof NetConfig)[]) {
    const flag = Object.keys(RESUME_FIXED).find((f) => RESUME_FIXED[f].includes(`trainer.net.${key}`));
    if (flag !== undefined && options.explicit.includes(flag)) {
      if (!sameNetOption(key, net, source.net)) differing.push(`--${flag}: ${key} ${JSON.stringify(net[key])}, that run's ${JSON.stringify(source.net[key])}`);
    } else {
      (net as Record<string, unknown>)[key] = source.net[key];
    }
  }
  if (data.data === 'omniglot' && source.net.channels !== 1) differing.push(`Omniglot is grayscale, that run's network takes ${source.net.channels} channels`);
  if (differing.length) {
    throw new SiameseError('INVALID_ARGUMENT', `--init-from ${from}: its network and input carry over to this run, and these options would change them: ${differing.join('; ')}. Drop them`, { path: from });
  }
  return {
    trainer: { ...trainer, net },
    data: { ...data, inputSize: net.inputSize, channels: net.channels, preprocess: source.preprocess.preprocess },
  };
}

export interface TrainCommandHooks {
  createStepper?: CreateTrainStepper;
  /** Tests: stop after this step as if killed (a checkpoint is written). */
  stopAtStep?: number;
  stderr?: NodeJS.WriteStream;
}

export async function runTrainCommand(argv: string[], hooks: TrainCommandHooks = {}): Promise<TrainResult> {
  const options = parseTrainArgs(argv);
  const out = options.out;
  const bar = new ProgressBar({ stream: hooks.stderr });
  const say = (m: string): void => (options.quiet ? undefined : bar.log(m));
  let trainer = options.trainer;
  let dataOptions: DataOptions | undefined = options.data;
  const resuming = options.resume && hasCheckpoint(checkpointDir(out), 'last');
  if (options.resume && !resuming && !dataOptions) throw new SiameseError('CHECKPOINT_INVALID', `--resume: ${out} has no checkpoint to resume from`, { path: out });
  let recordedSplit: unknown;
  if (resuming) {
    // A resumed run continues with its recorded configuration and data split; only a few settings may change.
    const manifest = readCheckpointManifest(checkpointDir(out), 'last');
    const recorded = (manifest.data.options ?? {}) as DataOptions;
    const trainerThen = trainerAsRecorded(manifest.config as unknown as TrainerConfig);
    assertResumeKeepsRun(options, { trainer: trainerThen, data: recorded }, out);
    const recordedSteps = trainerThen.steps;
    trainer = trainerThen;
    for (const name of options.explicit) RESUME_OVERRIDES[name]?.(trainer, options);
    if (trainer.steps < manifest.step) {
      throw new SiameseError('INVALID_ARGUMENT', `--steps ${trainer.steps}: ${out} is already at step ${manifest.step}; pass a larger --steps to train on, or none to finish the recorded ${recordedSteps}`, { path: out });
    }
    recordedSplit = manifest.data.split;
    dataOptions = {
      ...recorded,
      // The data may have moved (another machine, another folder): a path given anew is used, and assertSameSplit
      // below checks that it holds the classes the run was split on.
      ...(options.explicit.includes('data') && options.data ? { data: options.data.data } : {}),
      ...(options.explicit.includes('omniglot-dir') ? { omniglotDir: options.data?.omniglotDir } : {}),
      ...(options.explicit.includes('cache-dir') ? { cacheDir: options.data?.cacheDir } : {}),
      ...(options.explicit.includes('download') ? { download: true } : {}),
    };
    say(`resuming ${out} at step ${manifest.step} of ${trainer.steps}`);
  } else {
    // Starting afresh would replace its checkpoints (and cut metrics.jsonl). A run that never reached its first
    // checkpoint has nothing to keep, so it may be started again, with or without --resume.
    // Only a checkpoint counts (its manifest): a .bin or .tmp left by a kill during the first write does not.
    const checkpoints = (['last.json', 'best.json'] as const).filter((name) => existsSync(join(checkpointDir(out), name)));
    if (checkpoints.length) {
      const why = options.resume
        ? `it has no checkpoint to resume from (checkpoints/last.json), but holds checkpoints/${checkpoints[0]}`
        : 'it already holds a run; pass --resume to continue it';
      throw new SiameseError('INVALID_ARGUMENT', `--out ${out}: ${why}, or choose another --out`, { path: out });
    }
    if (options.resume) say(`--resume: no checkpoint in ${out} yet, so the run starts from step 0`);
    // Everything the flags decide is checked before the data is loaded (which can take minutes): the source run
    // of --init-from and what carries over from it, and the network's shape (e.g. an input too small for its
    // pooling blocks). A resume was checked against its record above.
    if (trainer.initFrom !== undefined) ({ trainer, data: dataOptions } = adoptInitSource(options, trainer, dataOptions!));
    resolveNetConfig(trainer.net);
  }
  ensureWritableFolder(out, `--out ${out}`);

  const t0 = performance.now();
  const data = await prepareData(dataOptions!, {
    onDownloadProgress: (p) => !options.quiet && bar.update(p.total ? p.received / p.total : 0, `downloading ${p.url.split('/').pop()} ${(p.received / 1e6).toFixed(1)} MB`),
    onDecodeProgress: (what, p) => !options.quiet && bar.update(p.done / p.total, `decoding ${what}: ${p.done}/${p.total} images`, p.done === p.total),
  });
  if (resuming) assertSameSplit(recordedSplit, data.split, out);
  bar.done();
  for (const l of data.loaded) say(`loaded ${l.images} images in ${l.seconds.toFixed(1)} s (${l.cacheHit ? 'cache' : 'decoded'})`);
  const skipped = data.loaded.flatMap((l) => l.skipped);
  if (skipped.length) {
    say(`warning: ${skipped.length} file(s) or class(es) skipped:`);
    for (const s of skipped.slice(0, 20)) say(`  ${s.file}: ${s.reason}`);
    if (skipped.length > 20) say(`  ... and ${skipped.length - 20} more`);
  }
  say(`data ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${data.train.classes.length} training classes, ${data.val.classes.length ? `${data.val.classes.length} validation classes` : 'no validation classes (final fit)'}`);
  writeFileSync(join(out, 'config.json'), `${JSON.stringify({ trainer, data: dataOptions }, null, 2)}\n`);

  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    bar.log('stopping after this step (Ctrl-C again to quit at once)...');
  };
  process.on('SIGINT', onSigint);
  let result: TrainResult;
  try {
    result = await train(trainer, data, {
      outDir: out,
      resume: resuming,
      createStepper: hooks.createStepper,
      shouldStop: (step) => interrupted || step === hooks.stopAtStep,
      onLog: say,
      onProgress: (p) => {
        if (options.quiet) return;
        const val = p.lastVal ? ` | val ${p.lastVal.way}-way ${(100 * p.lastVal.accuracy).toFixed(1)}% (best ${(100 * (p.bestAccuracy ?? 0)).toFixed(1)}%)` : '';
        bar.update(p.step / p.steps, `step ${p.step}/${p.steps} | loss ${p.loss.toFixed(4)} | ${Math.round(p.imagesPerSec)} img/s | ETA ${formatDuration(p.etaSeconds)}${val}`, p.step === p.steps);
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    bar.done();
  }
  writeFileSync(join(out, 'training-curve.svg'), trainingCurveSvg(readMetrics(join(out, 'metrics.jsonl')), `${out}: ${trainer.loss.kind} loss`));
  if (!result.completed) {
    say(`stopped at step ${result.step}/${trainer.steps}; continue with: siamese-train --resume --out ${out}`);
    return result;
  }
  say(`trained ${result.step} steps in ${formatDuration(result.seconds)} on ${result.backend} (${result.workers} worker(s)); best validation ${result.best ? `${(100 * result.best.accuracy).toFixed(1)}% at step ${result.best.step}` : 'n/a'}`);
  if (data.test.pool.classes.length < 2) {
    say(`no final report: ${data.test.name}; curve: ${join(out, 'training-curve.svg')}`);
    return result;
  }
  const report = await evaluateRun(out, {
    episodes: options.evalEpisodes,
    createStepper: hooks.createStepper,
    backend: trainer.backend,
    // Where the data is now: the best checkpoint may have been written before a resume that gave a new --data.
    data: { data: dataOptions!.data, omniglotDir: dataOptions!.omniglotDir, cacheDir: dataOptions!.cacheDir },
    training: { trainingSeconds: result.seconds, backend: result.backend, workers: result.workers },
    onLog: say,
  });
  for (const f of report.evaluation.fewShot) say(`  ${taskName(f).padEnd(28)} ${(100 * f.accuracy).toFixed(1)}% ± ${(100 * f.ci95).toFixed(1)}`);
  if (report.evaluation.verification) say(`  verification AUC ${report.evaluation.verification.auc.toFixed(4)}, EER ${(100 * report.evaluation.verification.eer).toFixed(1)}%`);
  say(`report: ${report.files.markdown}; curve: ${join(out, 'training-curve.svg')}`);
  return result;
}
