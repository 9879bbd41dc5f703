#!/usr/bin/env node
// Writes models/omniglot-conv4.run/: the default model's training run reduced to what `siamese-train --init-from`
// reads — its network weights and batch-norm statistics as a `best` checkpoint, without Adam state, RNG states or
// data paths — so users can fine-tune the shipped model on their own images:
//   siamese-train --data ./my-images --loss contrastive --lr 0.0003 --steps 400 --init-from models/omniglot-conv4.run --out runs/mine
// The run takes the network and the Omniglot preprocessing from it. packages/train's
// test/shipped-checkpoint.test.ts checks that this checkpoint embeds exactly as models/omniglot-conv4.onnx.
// Usage (after `pnpm -C packages/train build`): node models/scripts/fine-tune-checkpoint.mjs <final-fit run> [out]
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCheckpoint, writeCheckpoint, runCheckpointDir } from '../../packages/train/dist/index.js';

const [runDir, out = resolve(import.meta.dirname, '..', 'omniglot-conv4.run')] = process.argv.slice(2);
if (!runDir) {
  console.error('usage: node models/scripts/fine-tune-checkpoint.mjs <final-fit run folder> [out folder]');
  process.exit(2);
}
const { manifest, weights } = readCheckpoint(runCheckpointDir(runDir), 'last');
const dir = join(out, 'checkpoints');
rmSync(dir, { recursive: true, force: true });
const written = writeCheckpoint(
  dir,
  'best',
  {
    step: manifest.step,
    net: manifest.net,
    loss: manifest.loss,
    preprocess: manifest.preprocess,
    // What it was trained on and how, without machine paths; no RNG state (nothing resumes from it).
    config: { ...manifest.config, initFrom: undefined },
    data: { source: manifest.data.source, split: manifest.data.split, trainClasses: manifest.data.trainClasses, options: { ...manifest.data.options, omniglotDir: undefined, cacheDir: undefined } },
    rng: {},
    metrics: { seconds: manifest.metrics.seconds, from: { run: 'the final fit of models/README.md', sha256: manifest.sha256 } },
  },
  { weights, optimizer: {} },
);
console.log(`${dir}: step ${written.step}, ${written.bytes} bytes of weights (${written.binary}, sha256 ${written.sha256})`);
