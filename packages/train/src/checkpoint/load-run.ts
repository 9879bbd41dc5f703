/**
 * Opening a finished (or interrupted) run: its best checkpoint (else the last) as a ready model. This is what
 * `siamese-train eval` and the ONNX exporter use.
 *
 *   const run = await loadRunModel('runs/omniglot');
 *   run.model;            // tfjs LayersModel with the checkpoint's weights (inference: model.predict / stepper.embed)
 *   run.manifest.net;     // NetConfig; run.manifest.preprocess: the PreprocessTarget the model was trained with
 *   await run.dispose();
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SiameseError } from '@siamese-sdk/core';
import type { BackendPreference, CreateTrainStepper, TrainStepper } from '../train/stepper.js';
import { hasCheckpoint, readCheckpoint, type CheckpointManifest, type CheckpointTag } from './checkpoint.js';

export interface LoadRunOptions {
  /** 'best' (default; falls back to 'last' when the run never validated) or 'last'. */
  tag?: CheckpointTag;
  /** Default 'auto'. Export and evaluation are light: any backend works. */
  backend?: BackendPreference;
  createStepper?: CreateTrainStepper;
}

export interface LoadedRun {
  runDir: string;
  tag: CheckpointTag;
  manifest: CheckpointManifest;
  /** The model with the checkpoint's weights. */
  model: LayersModel;
  /** Embeds images (n × H × W × C floats, preprocessed as `manifest.preprocess` says) in inference mode. */
  embed: (images: Float32Array, n: number) => Promise<Float32Array>;
  stepper: TrainStepper;
  dispose(): Promise<void>;
}

export function runCheckpointDir(runDir: string): string {
  return join(runDir, 'checkpoints');
}

export async function loadRun(runDir: string, options: LoadRunOptions = {}): Promise<LoadedRun> {
  const dir = runCheckpointDir(runDir);
  if (!existsSync(dir)) throw new SiameseError('CHECKPOINT_INVALID', `${runDir} is not a training run: no checkpoints/ folder`, { path: runDir });
  let tag: CheckpointTag = options.tag ?? 'best';
  if (!hasCheckpoint(dir, tag) && options.tag === undefined) tag = 'last';
  const ckpt = readCheckpoint(dir, tag);
  const create = options.createStepper ?? (await import('../train/create-stepper.js')).createTrainStepper;
  const stepper = await create({ net: ckpt.manifest.net, loss: ckpt.manifest.loss, workers: 1, backend: options.backend ?? 'auto' });
  try {
    await stepper.setState({ weights: ckpt.weights });
  } catch (e) {
    await stepper.dispose();
    throw new SiameseError('CHECKPOINT_INVALID', `checkpoint ${dir}/${tag}.json does not fit its network: ${(e as Error).message}`, { path: dir }, { cause: e });
  }
  return {
    runDir,
    tag,
    manifest: ckpt.manifest,
    model: stepper.model,
    embed: (images, n) => stepper.embed(images, n),
    stepper,
    dispose: () => stepper.dispose(),
  };
}

/** The run's best checkpoint as a LayersModel plus its configuration (see loadRun). */
export const loadRunModel = loadRun;
