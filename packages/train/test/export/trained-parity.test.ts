/**
 * Parity of a trained Conv-4: set SIAMESE_PARITY_RUN=<run folder> (a `siamese-train` run) and the run's best
 * checkpoint is exported and compared with tfjs on 100 real Omniglot images (fixtures/omniglot-eval-mini,
 * preprocessed as the run says) in onnxruntime-node and -web, fp32 within 1e-4 and fp16/int8 close. Skipped
 * without a run: a trained model is not committed, and training one takes minutes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunModel, type LoadedRun } from '../../src/checkpoint/load-run.js';
import { loadFolderDataset } from '../../src/data/folder-dataset.js';
import { exportModelToOnnx } from '../../src/export/index.js';
import { FIXTURE_DIR, tempDir } from '../helpers.js';
import { maxAbsDiff, nhwcToNchw, predictTf, runOrtNode, runOrtWeb, testMetadata } from './helpers.js';

const runDir = process.env.SIAMESE_PARITY_RUN;

describe.skipIf(!runDir || !existsSync(join(runDir, 'checkpoints')))('trained model parity (SIAMESE_PARITY_RUN)', () => {
  let run: LoadedRun;
  let images: Float32Array;
  const n = 100;
  beforeAll(async () => {
    run = await loadRunModel(runDir!, { backend: 'cpu' });
    const set = (await loadFolderDataset(join(FIXTURE_DIR, 'Manipuri'), { target: run.manifest.preprocess, cacheDir: tempDir('parity-cache') })).set;
    const size = set.input.width * set.input.height * set.input.channels;
    images = set.pixels.slice(0, n * size);
  });
  afterAll(async () => run?.dispose());

  it('fp32 equals tfjs within 1e-4; fp16 and int8 stay close', async () => {
    const { width: w, height: h, channels: c } = run.manifest.preprocess.input;
    const want = predictTf(run.model, images, n);
    const nchw = nhwcToNchw(images, n, h, w, c);
    const metadata = { ...testMetadata(c as 1 | 3, 'trained-parity'), preprocess: run.manifest.preprocess.preprocess };
    for (const [dtype, limit] of [['fp32', 1e-4], ['fp16', 5e-3], ['int8', 6e-2]] as const) {
      const { bytes } = exportModelToOnnx(run.model, { metadata, dtype });
      const node = maxAbsDiff(want, (await runOrtNode(bytes, nchw, [n, c, h, w])).output);
      const web = maxAbsDiff(want, (await runOrtWeb(bytes, nchw, [n, c, h, w])).output);
      console.log(`trained ${dtype}: ${bytes.length} bytes, max |tfjs − onnx| node ${node.toExponential(2)}, web ${web.toExponential(2)}`);
      expect(node).toBeLessThan(limit);
      expect(web).toBeLessThan(limit);
    }
  });
});
