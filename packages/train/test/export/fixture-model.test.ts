/**
 * The committed fixture model is what its generator produces, runs in both runtimes, and reads back through
 * core. `UPDATE_FIXTURES=1` (or scripts/make-fixture-model.mjs) rewrites it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModelMetadata, readOnnxModelInfo } from '@siamese-sdk/core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { REPO_ROOT } from '../helpers.js';
import { buildFixtureNet, exportFixture, FIXTURE_NAME } from './fixture-model.js';
import { maxAbsDiff, nhwcToNchw, predictTf, rng, runOrtNode, runOrtWeb, uniform, useCpuBackend } from './helpers.js';

const FIXTURE_PATH = join(REPO_ROOT, 'fixtures', 'models', 'conv4-untrained.onnx');

describe('fixtures/models/conv4-untrained.onnx', () => {
  let model: LayersModel;
  beforeAll(async () => {
    await useCpuBackend();
    model = buildFixtureNet();
    if (process.env.UPDATE_FIXTURES === '1') {
      mkdirSync(dirname(FIXTURE_PATH), { recursive: true });
      writeFileSync(FIXTURE_PATH, exportFixture(model).bytes);
    }
  });

  it('exists and carries valid metadata matching its graph', () => {
    expect(existsSync(FIXTURE_PATH), 'run `node packages/train/scripts/make-fixture-model.mjs`').toBe(true);
    const bytes = new Uint8Array(readFileSync(FIXTURE_PATH));
    const metadata = readModelMetadata(bytes);
    expect(metadata).toMatchObject({
      name: FIXTURE_NAME,
      input: { name: 'input', layout: 'NCHW', width: 28, height: 28, channels: 1 },
      preprocess: { resize: 'area', invert: true },
      output: { name: 'embedding', size: 64, normalized: true },
      distance: 'euclidean',
      dtype: 'fp32',
    });
    const info = readOnnxModelInfo(bytes);
    expect(info.inputs).toEqual([{ name: 'input', elemType: 1, elemTypeName: 'float32', dims: ['N', 1, 28, 28] }]);
    expect(info.outputs).toEqual([{ name: 'embedding', elemType: 1, elemTypeName: 'float32', dims: ['N', 64] }]);
  });

  it('is what the generator produces today (same outputs as a fresh tfjs model), in onnxruntime-node and -web', async () => {
    const bytes = new Uint8Array(readFileSync(FIXTURE_PATH));
    const n = 5;
    const x = uniform(n * 28 * 28, rng(99), 0, 1);
    const want = predictTf(model, x, n);
    const nchw = nhwcToNchw(x, n, 28, 28, 1);
    const node = await runOrtNode(bytes, nchw, [n, 1, 28, 28]);
    const web = await runOrtWeb(bytes, nchw, [n, 1, 28, 28]);
    expect(node.dims).toEqual([n, 64]);
    const message = 'the fixture is stale: regenerate it with `node packages/train/scripts/make-fixture-model.mjs`';
    expect(maxAbsDiff(want, node.output), message).toBeLessThan(1e-4);
    expect(maxAbsDiff(want, web.output), message).toBeLessThan(1e-4);
  });
});
