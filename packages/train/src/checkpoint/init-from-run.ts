/**
 * Starting a run from another run's network (fine-tuning): its best checkpoint (else its last) gives the
 * network's weights and batch-norm statistics; Adam, the schedule, the step count and any loss parameters (proxies)
 * start fresh. The network and its input must be the same as the new run's — a different shape has no weights to
 * take, and a different preprocessing would feed the weights images they were not trained on.
 */
import { existsSync } from 'node:fs';
import { SiameseError, type PreprocessTarget } from '@siamese-sdk/core';
import { canonicalJson } from '../canonical-json.js';
import { sameNetOption } from '../model/build-embedding-net.js';
import { DEFAULT_NET_CONFIG, type NetConfig } from '../model/net-config.js';
import type { NamedTensors, TrainStepper } from '../train/stepper.js';
import { hasCheckpoint, readCheckpoint, readCheckpointManifest, type CheckpointTag } from './checkpoint.js';
import { runCheckpointDir } from './load-run.js';

/** Where a run's weights came from, as its checkpoints record it. */
export interface InitSource {
  run: string;
  tag: CheckpointTag;
  step: number;
}

/** The checkpoint a run is initialised from: the source's best, else its last. */
function sourceCheckpoint(runDir: string): { dir: string; tag: CheckpointTag } {
  const dir = runCheckpointDir(runDir);
  if (!existsSync(dir)) throw new SiameseError('CHECKPOINT_INVALID', `--init-from ${runDir} is not a training run: no checkpoints/ folder`, { path: runDir });
  if (hasCheckpoint(dir, 'best')) return { dir, tag: 'best' };
  if (hasCheckpoint(dir, 'last')) return { dir, tag: 'last' };
  throw new SiameseError('CHECKPOINT_INVALID', `--init-from ${runDir} has no checkpoint yet (checkpoints/best.json or last.json): it stopped before its first`, { path: runDir });
}

/** The source run's network (recorded defaults filled in) and input: what a run started from it takes. */
export function readInitSource(runDir: string): { net: NetConfig; preprocess: PreprocessTarget } {
  const { dir, tag } = sourceCheckpoint(runDir);
  const manifest = readCheckpointManifest(dir, tag);
  // Runs recorded before a network option existed ran with its default.
  return { net: { ...DEFAULT_NET_CONFIG, ...manifest.net }, preprocess: manifest.preprocess };
}

/** Sets `stepper`'s network to the weights of `runDir`'s best (else last) checkpoint; see the file comment. */
export async function initFromRun(runDir: string, stepper: TrainStepper, expected: { net: NetConfig; preprocess: PreprocessTarget }): Promise<InitSource> {
  const { dir, tag } = sourceCheckpoint(runDir);
  const ckpt = readCheckpoint(dir, tag);
  // Runs recorded before a network option existed ran with its default.
  const net = { ...DEFAULT_NET_CONFIG, ...ckpt.manifest.net };
  const differing = (Object.keys(expected.net) as (keyof NetConfig)[]).filter((key) => !sameNetOption(key, net, expected.net));
  if (differing.length) {
    const show = (c: NetConfig): string => differing.map((key) => `${key} ${JSON.stringify(c[key])}`).join(', ');
    throw new SiameseError('INVALID_ARGUMENT', `--init-from ${runDir}: its network (${show(net)}) differs from this run's (${show(expected.net)}); give the same network options`, { path: runDir, differing });
  }
  if (canonicalJson(ckpt.manifest.preprocess) !== canonicalJson(expected.preprocess)) {
    throw new SiameseError('INVALID_ARGUMENT', `--init-from ${runDir}: it was trained on other inputs (${JSON.stringify(ckpt.manifest.preprocess)}) than this run's (${JSON.stringify(expected.preprocess)})`, { path: runDir });
  }
  // Only the network's own weights are taken; the new run's loss parameters keep their fresh values.
  const fresh = await stepper.getState();
  const network = new Set(stepper.model.weights.map((w) => w.originalName));
  const weights: NamedTensors = { ...fresh.weights };
  for (const name of network) {
    if (ckpt.weights[name] === undefined) throw new SiameseError('CHECKPOINT_INVALID', `--init-from ${runDir}: its ${tag} checkpoint has no weight "${name}"`, { path: runDir, name });
    weights[name] = ckpt.weights[name];
  }
  await stepper.setState({ weights });
  return { run: runDir, tag, step: ckpt.manifest.step };
}
