/**
 * Full int8 quantisation in ONNX's QDQ form (dtype 'int8-qdq'): the file says, with QuantizeLinear /
 * DequantizeLinear pairs, which values are 8-bit, and onnxruntime fuses each `DQ → Conv → Q` into an integer
 * QLinearConv (on x86 with AVX-512 VNNI / AVX-VNNI: u8×s8 dot products, 4× the multiply-adds of float32 per
 * instruction). Everything else still computes in float32, so any graph stays correct, only less of it is integer.
 *
 * - Conv weights: symmetric int8 in a 7-bit range (±63, `QDQ_WEIGHT_MAX_LEVEL`), one scale per output channel.
 * - Conv biases: int32 at scale s_x·s_w[c] (what QLinearConv accumulates in), zero point 0.
 * - Activations: asymmetric uint8 over a range calibrated on real images (`ActivationRanges`, measured by the
 *   caller on the float graph). Quantised are every Conv's data input and every Conv's output — after its ReLU when
 *   a ReLU is its only consumer: a uint8 quantiser with zero point 0 clamps at 0 itself, so onnxruntime drops the
 *   ReLU and the conv's integer output feeds the next layer directly.
 * - MaxPool commutes with a monotonic quantiser: its output reuses its input's scale and zero point, so
 *   onnxruntime drops the pair around it and pools the uint8 values (in NHWC, next to its integer convs).
 *
 * Every conv is quantised, the shallow first one (1×3×3 inputs per output) too, though as a QLinearConv it is
 * slower than in float32 (13.5 against 6.8 ms per 256 images at 1 thread): measured on the Conv-4, keeping it float
 * cost more, because onnxruntime then moves the quantiser up through the pool after it (QDQ propagation) and pools
 * the uint8 values in a generic NCHW kernel (47 ms), where next to integer convs the pool runs in NHWC (2.7 ms).
 */
import { SiameseError } from '@siamese-sdk/core';
import type { OnnxGraph, OnnxNode } from '../onnx-graph.js';
import { dequantizeInt8, dequantizeNode } from './weight-storage.js';

/**
 * Conv weights use 7 bits (±63), onnxruntime's `reduce_range`: on x86 CPUs without VNNI (AVX2 only), its u8×s8
 * integer convolutions add pairs of products in int16 (vpmaddubsw), which saturates when uint8 activations meet
 * full-range int8 weights. Measured on an AMD EPYC (AVX2) with the default model: random 20-way 1-shot 94.14% and
 * Lake 82.84% with 8-bit weights, 94.33% and 82.97% with 7-bit ones, the fp32 file 94.38% and 82.99%.
 */
export const QDQ_WEIGHT_MAX_LEVEL = 63;

/** The observed range of one activation over the calibration images. */
export interface ActivationRange {
  min: number;
  max: number;
}

export type ActivationRanges = ReadonlyMap<string, ActivationRange>;

interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/** uint8 affine parameters covering [min, max] ∪ {0} (0 must be exact: it is the padding value of a conv). */
export function uint8Params({ min, max }: ActivationRange): QuantParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new SiameseError('INVALID_ARGUMENT', `an activation range must be finite with min ≤ max, got [${min}, ${max}]`);
  }
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  if (hi - lo < 1e-12) return { scale: 1, zeroPoint: 0 }; // an all-zero value: any scale represents it exactly
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

function isQuantizableConv(graph: OnnxGraph, n: OnnxNode): boolean {
  return n.opType === 'Conv' && graph.initializers.get(n.inputs[1])?.data.type === 'float32';
}

/** A conv's output as the next layer sees it: after its ReLU when the ReLU is its only consumer. */
function convOutput(graph: OnnxGraph, conv: OnnxNode): string {
  const y = conv.outputs[0];
  const users = graph.consumersOf(y);
  const isOutput = graph.outputs.some((o) => o.name === y);
  return users.length === 1 && users[0].opType === 'Relu' && !isOutput ? users[0].outputs[0] : y;
}

/**
 * The values whose ranges `applyQdq` needs, in graph order: calibrate exactly these (e.g. by making them extra
 * outputs of the float graph). A MaxPool output is not listed: it inherits its input's parameters.
 */
export function qdqActivations(graph: OnnxGraph): string[] {
  const wanted = new Set<string>();
  for (const n of graph.nodes) {
    if (!isQuantizableConv(graph, n)) continue;
    wanted.add(n.inputs[0]);
    wanted.add(convOutput(graph, n));
  }
  // Values that inherit from a MaxPool input are not calibrated on their own.
  for (const n of graph.nodes) if (n.opType === 'MaxPool' && wanted.has(n.inputs[0])) wanted.delete(n.outputs[0]);
  for (const o of graph.outputs) wanted.delete(o.name);
  return [...wanted];
}

/** Rewrites `graph` in place into QDQ form. Throws when a needed range is missing. */
export function applyQdq(graph: OnnxGraph, ranges: ActivationRanges): { quantizedConvs: number; quantizedValues: number } {
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const params = new Map<string, QuantParams>();
  const rangeOf = (value: string): QuantParams => {
    const r = ranges.get(value);
    if (!r) throw new SiameseError('INVALID_ARGUMENT', `int8-qdq export: no calibrated range for activation "${value}"`, { value });
    return uint8Params(r);
  };
  const needed = new Set(qdqActivations(graph));
  const convs = graph.nodes.filter((n) => isQuantizableConv(graph, n));
  // Parameters in graph order, so a MaxPool chain inherits from its (already decided) input.
  if (graph.inputs.some((i) => needed.has(i.name))) for (const i of graph.inputs) if (needed.has(i.name)) params.set(i.name, rangeOf(i.name));
  for (const n of graph.nodes) {
    for (const y of n.outputs) {
      if (graphOutputs.has(y)) continue;
      if (n.opType === 'MaxPool' && params.has(n.inputs[0])) params.set(y, params.get(n.inputs[0]) as QuantParams);
      else if (needed.has(y)) params.set(y, rangeOf(y));
    }
  }

  const prelude: OnnxNode[] = [];
  let quantizedConvs = 0;
  // Weights and biases of each conv whose input is quantised.
  for (const conv of convs) {
    const x = params.get(conv.inputs[0]);
    const w = graph.initializers.get(conv.inputs[1]);
    if (!x || !w || w.data.type !== 'float32' || graph.consumersOf(w.name).length !== 1) continue;
    const { node, scales } = dequantizeInt8(graph, { ...w, channelAxis: 0 }, QDQ_WEIGHT_MAX_LEVEL);
    prelude.push(node);
    quantizedConvs++;
    const b = conv.inputs[2] !== undefined ? graph.initializers.get(conv.inputs[2]) : undefined;
    if (b && b.data.type === 'float32' && graph.consumersOf(b.name).length === 1) {
      const bScales = Float32Array.from(scales, (s) => s * x.scale);
      const bq = Int32Array.from(b.data.values, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / bScales[c]))));
      graph.initializers.delete(b.name);
      prelude.push(dequantizeNode(graph, b.name, b.dims, { type: 'int32', values: bq }, bScales, 0));
    }
  }

  // Activations: value → QuantizeLinear → DequantizeLinear → every former reader of value.
  const pairFor = new Map<string, OnnxNode[]>();
  for (const [value, p] of params) {
    const scale = graph.constFloat([p.scale]);
    const zero = graph.addInitializer(`${value}_zero_point`, [], { type: 'uint8', values: Uint8Array.of(p.zeroPoint) }, 'constant');
    const quantized = graph.uniqueName(`${value}_quantized`);
    const dequantized = graph.uniqueName(`${value}_dequantized`);
    for (const n of graph.nodes) n.inputs = n.inputs.map((v) => (v === value ? dequantized : v));
    pairFor.set(value, [
      { name: graph.uniqueName(`${value}_quantize`), opType: 'QuantizeLinear', inputs: [value, scale, zero], outputs: [quantized], attributes: {} },
      { name: graph.uniqueName(`${value}_dequantize`), opType: 'DequantizeLinear', inputs: [quantized, scale, zero], outputs: [dequantized], attributes: {} },
    ]);
  }
  const nodes: OnnxNode[] = [...prelude];
  for (const i of graph.inputs) nodes.push(...(pairFor.get(i.name) ?? []));
  for (const n of graph.nodes) {
    nodes.push(n);
    for (const y of n.outputs) nodes.push(...(pairFor.get(y) ?? []));
  }
  if (quantizedConvs === 0) {
    throw new SiameseError('INVALID_ARGUMENT', 'int8-qdq quantises convolutions and this model has none; export it as fp32, fp16 or int8');
  }
  graph.nodes = nodes;
  graph.pruneUnusedInitializers();
  return { quantizedConvs, quantizedValues: params.size };
}
