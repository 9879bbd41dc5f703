/**
 * dtype 'int8-qdq': the uint8 activation parameters, the calibration probe, and the Conv-4 exported fully
 * quantised — checked in onnxruntime-node (where its optimiser must turn the QDQ convs into integer QLinearConv
 * kernels, the point of the format) and onnxruntime-web, close to the fp32 export.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ortNode from 'onnxruntime-node';
import { OnnxField as F, ProtoReader, SiameseError, readModelMetadata } from '@siamese-sdk/core';
import * as tf from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { exportActivationProbe, exportModelToOnnx, measureActivationRanges, uint8Params, type ActivationRanges } from '../../src/export/index.js';
import { QDQ_WEIGHT_MAX_LEVEL } from '../../src/export/passes/quantize-qdq.js';
import { exportFixture, fixtureReference } from './fixture-model.js';
import { maxAbsDiff, minRowCosine, ortRuntimes, rng, testMetadata, uniform } from './helpers.js';

/** Calls `visit` with each entry of one Graph field (F.Graph.node, F.Graph.initializer, ...) of an ONNX file. */
function eachGraphEntry(bytes: Uint8Array, field: number, visit: (entry: ProtoReader) => void): void {
  const model = new ProtoReader(bytes);
  while (model.next()) {
    if (model.field !== F.Model.graph) {
      model.skip();
      continue;
    }
    const graph = model.message();
    while (graph.next()) {
      if (graph.field === field) visit(graph.message());
      else graph.skip();
    }
  }
}

/** The int8 initialisers (ONNX data type 3) of an ONNX file, as stored. */
function int8Initializers(bytes: Uint8Array): Int8Array[] {
  const out: Int8Array[] = [];
  eachGraphEntry(bytes, F.Graph.initializer, (tensor) => {
    let type = 0;
    let raw: Uint8Array | undefined;
    while (tensor.next()) {
      if (tensor.field === F.Tensor.dataType) type = tensor.uint();
      else if (tensor.field === F.Tensor.rawData) raw = tensor.bytesView();
      else tensor.skip();
    }
    if (type === 3 && raw) out.push(new Int8Array(raw.buffer, raw.byteOffset, raw.length));
  });
  return out;
}

/** Op types of the nodes of an ONNX file, in order. */
function opTypes(bytes: Uint8Array): string[] {
  const ops: string[] = [];
  eachGraphEntry(bytes, F.Graph.node, (node) => {
    while (node.next()) {
      if (node.field === F.Node.opType) ops.push(node.string());
      else node.skip();
    }
  });
  return ops;
}

describe('uint8 activation parameters', () => {
  it('covers the range, represents 0 exactly, and falls back to scale 1 for a constant zero', () => {
    expect(uint8Params({ min: 0, max: 5.1 })).toEqual({ scale: 5.1 / 255, zeroPoint: 0 });
    const mixed = uint8Params({ min: -1, max: 3 });
    expect(mixed.scale).toBeCloseTo(4 / 255, 12);
    expect(Number.isInteger(mixed.zeroPoint)).toBe(true);
    expect(mixed.zeroPoint).toBe(64); // round(1 / (4/255)) = round(63.75)
    // A range that excludes 0 is widened to include it (conv padding is 0).
    expect(uint8Params({ min: 2, max: 4 })).toEqual({ scale: 4 / 255, zeroPoint: 0 });
    expect(uint8Params({ min: 0, max: 0 })).toEqual({ scale: 1, zeroPoint: 0 });
    expect(() => uint8Params({ min: Number.NaN, max: 1 })).toThrow(SiameseError);
    expect(() => uint8Params({ min: 2, max: 1 })).toThrow(/min ≤ max/);
  });
});

describe('Conv-4 exported as int8-qdq', () => {
  let model: LayersModel;
  const n = 8;
  let x: Float32Array;
  let nchw: Float32Array;
  let fp32Output: Float32Array;
  let ranges: ActivationRanges;

  beforeAll(async () => {
    ({ model, x, nchw, fp32Output } = await fixtureReference(n, 33));
    const calibration = uniform(64 * 28 * 28, rng(34), 0, 1);
    ranges = await measureActivationRanges(exportActivationProbe(model), { height: 28, width: 28, channels: 1 }, calibration, 64);
  });

  it('calibrates the graph input and the ReLU outputs of the four convs', () => {
    // Each conv's input is the graph input or a pool output; a pool output inherits its input's (a ReLU output's)
    // parameters and is not calibrated on its own.
    const names = [...ranges.keys()];
    expect(names).toHaveLength(5);
    expect(names[0]).toBe('input');
    expect(names.slice(1).every((v) => /relu/.test(v))).toBe(true);
    for (const [name, r] of ranges) {
      expect(Number.isFinite(r.min) && Number.isFinite(r.max), name).toBe(true);
      expect(r.min, name).toBeGreaterThanOrEqual(0); // the uniform [0, 1) images, then ReLUs
      expect(r.max, name).toBeGreaterThan(r.min);
    }
  });

  it('runs integer QLinearConv kernels in onnxruntime-node and stays close to fp32 in node and web', async () => {
    const e = exportFixture(model, 'int8-qdq', ranges);
    const fp32 = exportFixture(model, 'fp32');
    expect(readModelMetadata(e.bytes).dtype).toBe('int8-qdq');
    // The input, and per conv its ReLU output plus the pool after it (same parameters, so onnxruntime drops them).
    expect(e.stats.opTypes.QuantizeLinear).toBe(9);
    expect(e.bytes.length / fp32.bytes.length).toBeLessThan(0.3);

    // What onnxruntime actually runs: its optimised graph, written to a file.
    const dir = mkdtempSync(join(tmpdir(), 'qdq-'));
    try {
      const optimized = join(dir, 'optimized.onnx');
      const session = await ortNode.InferenceSession.create(e.bytes, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized, logSeverityLevel: 3 });
      await session.release();
      const ops = opTypes(new Uint8Array(readFileSync(optimized)));
      expect(ops.filter((op) => op === 'QLinearConv')).toHaveLength(4);
      expect(ops).not.toContain('Conv');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    for (const [runtime, run] of ortRuntimes(e.bytes, nchw, [n, 1, 28, 28])) {
      const { output } = await run();
      const minCosine = minRowCosine(fp32Output, output, 64); // both unit length
      console.log(`int8-qdq ${runtime}: ${e.bytes.length} bytes (fp32 ${fp32.bytes.length}), max |Δ| vs fp32 ${maxAbsDiff(fp32Output, output).toExponential(2)}, min cosine ${minCosine.toFixed(6)}`);
      expect(minCosine).toBeGreaterThan(0.99);
    }
  });

  it('stores conv weights in 7 bits (±63, onnxruntime\'s reduce_range), using all of that range', () => {
    const e = exportFixture(model, 'int8-qdq', ranges);
    // The int8 tensors are the four convs' weights and their DequantizeLinear zero points (all 0).
    const weights = int8Initializers(e.bytes).filter((q) => q.some((v) => v !== 0));
    expect(weights).toHaveLength(4);
    for (const q of weights) {
      const maxAbs = q.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(maxAbs).toBe(QDQ_WEIGHT_MAX_LEVEL); // every channel's largest weight maps to ±63, none beyond
    }
  });

  it('refuses a model without convolutions, whose export would quantise nothing', () => {
    const dense = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 8 })] });
    expect(exportActivationProbe(dense).values).toEqual([]);
    expect(() => exportModelToOnnx(dense, { dtype: 'int8-qdq', activationRanges: new Map(), metadata: testMetadata(1) })).toThrow(/int8-qdq quantises convolutions and this model has none/);
  });

  it('refuses to export without ranges, or with one missing, naming the value', () => {
    expect(() => exportFixture(model, 'int8-qdq')).toThrow(/needs activationRanges/);
    const partial = new Map(ranges);
    const [first] = partial.keys();
    partial.delete(first);
    expect(() => exportFixture(model, 'int8-qdq', partial)).toThrow(new RegExp(`no calibrated range for activation "${first}"`));
  });
});
