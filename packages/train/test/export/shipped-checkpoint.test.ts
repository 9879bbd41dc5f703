/**
 * models/omniglot-conv4.run (written by models/scripts/fine-tune-checkpoint.mjs from the default model's training
 * run) is the shipped model as a training checkpoint, so users can fine-tune it with `--init-from`. On real Omniglot
 * images it must embed exactly as models/omniglot-conv4.onnx does in onnxruntime-node, and a run started from it
 * on a folder of images must take its network and Omniglot's preprocessing (area resize, inverted ink).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpointManifest } from '../../src/checkpoint/checkpoint.js';
import { loadRun } from '../../src/checkpoint/load-run.js';
import { runTrainCommand } from '../../src/cli/train-command.js';
import { OMNIGLOT_PREPROCESS } from '../../src/data/image-set.js';
import { prepareData } from '../../src/data/prepare.js';
import { embedPool } from '../../src/eval/evaluate.js';
import { REPO_ROOT, fixtureFolders, tempDir } from '../helpers.js';
import { runOrtNode } from './helpers.js';

const SHIPPED_RUN = join(REPO_ROOT, 'models', 'omniglot-conv4.run');
const SHIPPED_MODEL = join(REPO_ROOT, 'models', 'omniglot-conv4.onnx');

describe('the shipped fine-tuning checkpoint', () => {
  it('embeds real Omniglot images exactly as the shipped ONNX model, and a fine-tuning run takes its network and input', async () => {
    const data = fixtureFolders('shipped-data', 5);
    const run = await loadRun(SHIPPED_RUN, { backend: 'wasm' });
    try {
      expect(run.manifest.preprocess).toEqual(OMNIGLOT_PREPROCESS);
      const prepared = await prepareData({ data, cacheDir: tempDir('shipped-cache'), channels: 1, inputSize: 28, preprocess: run.manifest.preprocess.preprocess, valFraction: 0 });
      const ours = await embedPool(run.embed, prepared.train);
      const bytes = readFileSync(SHIPPED_MODEL);
      // One channel: NHWC and NCHW are the same memory.
      const onnx = await embedPool(async (images, n) => (await runOrtNode(bytes, images, [n, 1, 28, 28])).output, prepared.train);
      expect(ours.n).toBe(200);
      let worst = 0;
      for (let i = 0; i < ours.embeddings.length; i++) worst = Math.max(worst, Math.abs(ours.embeddings[i] - onnx.embeddings[i]));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await run.dispose();
    }

    // Fine-tuning on a folder of images with no network or input options: the run reads the folder as Omniglot was
    // read (a folder would otherwise be bilinear, not inverted, 3 channels) and trains the shipped network.
    const out = join(tempDir('shipped-ft'), 'run');
    const result = await runTrainCommand(['--data', data, '--cache-dir', tempDir('shipped-ft-cache'), '--init-from', SHIPPED_RUN, '--loss', 'contrastive', '--batch', '5x4', '--steps', '2', '--lr', '0.0003', '--val-fraction', '0.5', '--val-way', '5', '--val-episodes', '20', '--eval-episodes', '20', '--backend', 'wasm', '--out', out, '--quiet']);
    expect(result).toMatchObject({ step: 2, completed: true });
    const manifest = readCheckpointManifest(join(out, 'checkpoints'), 'last');
    expect(manifest.preprocess).toEqual(OMNIGLOT_PREPROCESS);
    expect(manifest.net).toMatchObject({ inputSize: 28, channels: 1, width: 64, depth: 4 });
    expect(manifest.metrics.initializedFrom).toMatchObject({ run: SHIPPED_RUN, tag: 'best', step: 5000 });
  }, 120_000);
});
