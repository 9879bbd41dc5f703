/**
 * Smaller files: stores learned weights as fp16 or int8 while the graph keeps computing in float32, so the
 * input and output stay float32 and onnxruntime's CPU kernels (float32 Conv/Gemm) run unchanged.
 *
 * - fp16: every learned float initializer (kernels, biases) → float16 + a Cast to float at the start of the graph.
 * - int8: conv/dense kernels → symmetric per-output-channel int8 (scale = max|w| / 127, zero point 0) +
 *   DequantizeLinear (opset 13, per-axis); biases and other parameters stay float32 (tiny, and precision-critical).
 */
import { attr, type OnnxGraph, type OnnxInitializer, type OnnxNode, type TensorData } from '../onnx-graph.js';
import { toFloat16Array } from '../float16.js';

export type WeightDType = 'fp32' | 'fp16' | 'int8';

function castToFloat16(graph: OnnxGraph, t: OnnxInitializer): OnnxNode {
  const stored = graph.addInitializer(`${t.name}_fp16`, t.dims, { type: 'float16', values: toFloat16Array(t.data.values as Float32Array) }, t.role);
  graph.initializers.delete(t.name);
  return { name: graph.uniqueName(`${t.name}_cast`), opType: 'Cast', inputs: [stored], outputs: [t.name], attributes: { to: attr.int(1) } };
}

/** Per-channel symmetric int8 quantisation along `axis` (all values when axis is undefined). */
export function quantizeInt8(values: Float32Array, dims: number[], axis: number | undefined, maxLevel = 127): { q: Int8Array; scales: Float32Array } {
  const channels = axis === undefined ? 1 : dims[axis];
  const inner = axis === undefined ? values.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number): number => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)], Math.abs(values[i]));
  // A zero channel keeps scale 1 (any scale dequantises 0 to 0; a zero scale is rejected by some checkers).
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / maxLevel : 1));
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.max(-maxLevel, Math.min(maxLevel, Math.round(values[i] / scales[channelOf(i)])));
  return { q, scales };
}

/**
 * Stores integer values `stored` (zero point 0, one scale per `axis` entry, or one scale when axis is undefined)
 * and returns the DequantizeLinear node that writes them back as float32 under the name `output`.
 */
export function dequantizeNode(
  graph: OnnxGraph,
  output: string,
  dims: number[],
  stored: Extract<TensorData, { type: 'int8' | 'int32' }>,
  scales: Float32Array,
  axis: number | undefined,
): OnnxNode {
  const scaleDims = axis === undefined ? [] : [dims[axis]];
  const zeros: TensorData = stored.type === 'int8' ? { type: 'int8', values: new Int8Array(scales.length) } : { type: 'int32', values: new Int32Array(scales.length) };
  const values = graph.addInitializer(`${output}_${stored.type}`, dims, stored, 'constant');
  const scale = graph.addInitializer(`${output}_scale`, scaleDims, { type: 'float32', values: scales }, 'constant');
  const zero = graph.addInitializer(`${output}_zero_point`, scaleDims, zeros, 'constant');
  return {
    name: graph.uniqueName(`${output}_dequantize`),
    opType: 'DequantizeLinear',
    inputs: [values, scale, zero],
    outputs: [output],
    attributes: axis === undefined ? {} : { axis: attr.int(axis) },
  };
}

/** A float weight → int8 per output channel + the DequantizeLinear that restores it under its own name. */
export function dequantizeInt8(graph: OnnxGraph, t: OnnxInitializer, maxLevel = 127): { node: OnnxNode; scales: Float32Array } {
  const { q, scales } = quantizeInt8(t.data.values as Float32Array, t.dims, t.channelAxis, maxLevel);
  graph.initializers.delete(t.name);
  return { node: dequantizeNode(graph, t.name, t.dims, { type: 'int8', values: q }, scales, t.channelAxis), scales };
}

/** Rewrites the graph's weight storage in place. */
export function applyWeightStorage(graph: OnnxGraph, dtype: WeightDType): void {
  if (dtype === 'fp32') return;
  const decoders: OnnxNode[] = [];
  for (const t of [...graph.initializers.values()]) {
    if (t.data.type !== 'float32' || t.role === 'constant') continue;
    if (dtype === 'fp16') decoders.push(castToFloat16(graph, t));
    else if (t.role === 'weight') decoders.push(dequantizeInt8(graph, t).node);
  }
  graph.nodes = [...decoders, ...graph.nodes];
}
