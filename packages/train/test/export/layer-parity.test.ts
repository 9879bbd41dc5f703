/**
 * Parity of every supported layer type: the exported model, run by onnxruntime-node (graph optimisation 'all' and
 * 'disabled') and by onnxruntime-web (wasm, one thread, in Node), gives tfjs `predict`'s outputs within 1e-4 —
 * at batch sizes 3, 1 and 2 (the export itself fixes no batch size). A per-layer-type summary of the largest
 * differences is printed at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnxModelInfo } from '@siamese-sdk/core';
import { exportModelToOnnx } from '../../src/export/index.js';
import { PARITY_CASES } from './parity-cases.js';
import { maxAbsDiff, nhwcToNchw, predictTf, randomizeWeights, rng, runOrtNode, runOrtWeb, testMetadata, uniform, useCpuBackend } from './helpers.js';

const TOLERANCE = 1e-4;
const worst = new Map<string, { node: number; nodeNoOpt: number; web: number; cases: number }>();

describe('layer parity: tfjs predict vs onnxruntime-node and onnxruntime-web', () => {
  beforeAll(useCpuBackend);

  PARITY_CASES.forEach((c, index) => {
    it(`${c.layer}: ${c.name}`, async () => {
      const model = c.build();
      randomizeWeights(model, 1000 + index);
      const [, h, w, ch] = model.inputs[0].shape as number[];
      const channels = ch === 3 ? 3 : 1;
      const { bytes, metadata } = exportModelToOnnx(model, { metadata: testMetadata(channels) });
      const info = readOnnxModelInfo(bytes);
      expect(info.inputs[0].dims).toEqual(['N', ch, h, w]);
      expect(info.outputs[0].dims).toEqual(['N', metadata.output.size]);

      const random = rng(index + 1);
      const run = async (n: number, runtime: (nchw: Float32Array, dims: number[]) => Promise<{ output: Float32Array; dims: readonly number[] }>) => {
        const x = uniform(n * h * w * ch, random);
        const want = predictTf(model, x, n);
        const got = await runtime(nhwcToNchw(x, n, h, w, ch), [n, ch, h, w]);
        expect(got.dims).toEqual([n, metadata.output.size]);
        return maxAbsDiff(want, got.output);
      };
      const node = await run(3, (x, d) => runOrtNode(bytes, x, d, 'all'));
      const nodeNoOpt = await run(1, (x, d) => runOrtNode(bytes, x, d, 'disabled'));
      const web = await run(2, (x, d) => runOrtWeb(bytes, x, d));
      const entry = worst.get(c.layer) ?? { node: 0, nodeNoOpt: 0, web: 0, cases: 0 };
      worst.set(c.layer, { node: Math.max(entry.node, node), nodeNoOpt: Math.max(entry.nodeNoOpt, nodeNoOpt), web: Math.max(entry.web, web), cases: entry.cases + 1 });
      expect(node).toBeLessThan(TOLERANCE);
      expect(nodeNoOpt).toBeLessThan(TOLERANCE);
      expect(web).toBeLessThan(TOLERANCE);
    });
  });

  afterAll(() => {
    const rows = [...worst].map(([layer, r]) => `${layer.padEnd(28)} ${String(r.cases).padStart(5)}  ${r.node.toExponential(1).padStart(8)}  ${r.nodeNoOpt.toExponential(1).padStart(8)}  ${r.web.toExponential(1).padStart(8)}`);
    console.log(['max |tfjs − onnx|           cases  node/all  node/off  web/wasm', ...rows].join('\n'));
  });
});
