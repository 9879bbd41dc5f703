/**
 * Structure of exported files: batch norms folded (or kept on request), every supported opset runs at parity,
 * and an independent checker — onnx.checker with full shape inference, from Debian's python3-onnx — accepts the
 * files. The checker part skips cleanly where python3-onnx is not installed.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readOnnxModelInfo } from '@siamese-sdk/core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildEmbeddingNet } from '../../src/model/index.js';
import { exportModelToOnnx, type ExportOptions } from '../../src/export/index.js';
import { tempDir } from '../helpers.js';
import { PARITY_CASES } from './parity-cases.js';
import { findPythonWithOnnx, maxAbsDiff, nhwcToNchw, predictTf, randomizeWeights, rng, runOrtNode, runOrtWeb, testMetadata, uniform, useCpuBackend } from './helpers.js';

const python = await findPythonWithOnnx();

describe('exported graph structure', () => {
  let net: LayersModel;
  let x: Float32Array;
  let want: Float32Array;
  const n = 3;
  beforeAll(async () => {
    await useCpuBackend();
    net = buildEmbeddingNet({ embeddingSize: 32 }, 5);
    randomizeWeights(net, 5);
    x = uniform(n * 28 * 28, rng(8), 0, 1);
    want = predictTf(net, x, n);
  });

  const parity = async (options: Partial<ExportOptions>): Promise<ReturnType<typeof exportModelToOnnx>> => {
    const e = exportModelToOnnx(net, { metadata: testMetadata(1), ...options });
    const nchw = nhwcToNchw(x, n, 28, 28, 1);
    expect(maxAbsDiff(want, (await runOrtNode(e.bytes, nchw, [n, 1, 28, 28])).output)).toBeLessThan(1e-4);
    expect(maxAbsDiff(want, (await runOrtWeb(e.bytes, nchw, [n, 1, 28, 28])).output)).toBeLessThan(1e-4);
    return e;
  };

  it('folds every Conv-4 batch norm into its conv, and keeps them as nodes when asked', async () => {
    const folded = await parity({});
    expect(folded.stats.foldedBatchNorms).toBe(4);
    expect(folded.stats.opTypes.BatchNormalization).toBeUndefined();
    expect(folded.stats.opTypes).toMatchObject({ Conv: 4, Relu: 4, MaxPool: 4, Gemm: 1 });
    const kept = await parity({ foldBatchNorm: false });
    expect(kept.stats.foldedBatchNorms).toBe(0);
    expect(kept.stats.opTypes.BatchNormalization).toBe(4);
    expect(kept.bytes.length).toBeGreaterThan(folded.bytes.length);
  });

  it.each([13, 14, 17, 18, 21])('opset %i: declared in the file, runs at parity', async (opset) => {
    const e = await parity({ opset });
    expect(readOnnxModelInfo(e.bytes).opsetImports).toEqual([{ domain: '', version: opset }]);
  });

  it.skipIf(!python)('onnx.checker (full check with shape inference) accepts every parity model and every dtype', () => {
    const dir = tempDir('onnx-check');
    const files: string[] = [];
    const save = (name: string, bytes: Uint8Array): void => {
      const file = join(dir, `${files.length}-${name.replace(/[^a-z0-9]+/gi, '_')}.onnx`);
      writeFileSync(file, bytes);
      files.push(file);
    };
    PARITY_CASES.forEach((c, i) => {
      const model = c.build();
      randomizeWeights(model, i);
      const channels = model.inputs[0].shape[3] === 3 ? 3 : 1;
      save(`${c.layer}-${c.name}`, exportModelToOnnx(model, { metadata: testMetadata(channels) }).bytes);
    });
    for (const dtype of ['fp16', 'int8'] as const) save(dtype, exportModelToOnnx(net, { metadata: testMetadata(1), dtype }).bytes);
    // python3-onnx 1.12 (Debian 12) knows opsets up to 17.
    save('opset17', exportModelToOnnx(net, { metadata: testMetadata(1), opset: 17 }).bytes);
    const script = [
      'import json, sys, onnx',
      'bad = []',
      'for f in sys.argv[1:]:',
      '    try:',
      '        onnx.checker.check_model(onnx.load(f), full_check=True)',
      '    except Exception as e:',
      '        bad.append([f, str(e)[:500]])',
      'print(json.dumps(bad))',
    ].join('\n');
    const r = spawnSync(python!, ['-c', script, ...files], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    console.log(`onnx.checker accepted ${files.length} exported models`);
  });
});
