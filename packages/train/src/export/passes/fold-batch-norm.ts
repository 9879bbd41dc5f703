/**
 * Folds an inference-mode BatchNormalization into the Conv or Gemm that feeds it:
 * W' = W·s (per output channel), b' = (b − μ)·s + β with s = γ/√(σ² + ε), computed in float64.
 * Only when it is exact in structure: the producer's output feeds nothing but the batch norm, and its weights
 * belong to it alone. The result is one node instead of two and no runtime epsilon arithmetic.
 */
import type { OnnxGraph, OnnxInitializer, OnnxNode } from '../onnx-graph.js';

interface FloatInitializer {
  init: OnnxInitializer;
  values: Float32Array;
}

function floatInit(graph: OnnxGraph, name: string | undefined): FloatInitializer | undefined {
  if (name === undefined) return undefined;
  const t = graph.initializers.get(name);
  return t && t.data.type === 'float32' ? { init: t, values: t.data.values } : undefined;
}

function soleUse(graph: OnnxGraph, value: string): boolean {
  return graph.consumersOf(value).length === 1 && !graph.outputs.some((o) => o.name === value);
}

/** Gemm as the Dense converter writes it: plain attributes (alpha = beta = 1, no transposes). */
function isPlainGemm(n: OnnxNode): boolean {
  return Object.keys(n.attributes).length === 0;
}

function foldOne(graph: OnnxGraph, bn: OnnxNode): boolean {
  const x = bn.inputs[0];
  const producer = graph.producerOf(x);
  if (!producer || !soleUse(graph, x)) return false;
  const isConv = producer.opType === 'Conv';
  if (!isConv && !(producer.opType === 'Gemm' && isPlainGemm(producer))) return false;
  const weight = floatInit(graph, producer.inputs[1]);
  const bias = producer.inputs[2] !== undefined ? floatInit(graph, producer.inputs[2]) : undefined;
  if (!weight || !soleUse(graph, weight.init.name)) return false;
  if (producer.inputs[2] !== undefined && (!bias || !soleUse(graph, bias.init.name))) return false;
  const [gamma, beta, mean, variance] = bn.inputs.slice(1).map((n) => floatInit(graph, n));
  if (!gamma || !beta || !mean || !variance) return false;
  const epsilonAttr = bn.attributes.epsilon;
  const epsilon = epsilonAttr?.kind === 'float' ? epsilonAttr.value : 1e-5;
  const channels = gamma.values.length;
  const channelAxis = isConv ? 0 : 1;
  if (weight.init.dims[channelAxis] !== channels) return false;

  const s = Array.from({ length: channels }, (_, c) => gamma.values[c] / Math.sqrt(variance.values[c] + epsilon));
  const w = weight.values;
  const folded = new Float32Array(w.length);
  if (isConv) {
    const perChannel = w.length / channels;
    for (let i = 0; i < w.length; i++) folded[i] = w[i] * s[Math.floor(i / perChannel)];
  } else {
    for (let i = 0; i < w.length; i++) folded[i] = w[i] * s[i % channels];
  }
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const before = bias ? bias.values[c] : 0;
    b[c] = (before - mean.values[c]) * s[c] + beta.values[c];
  }
  weight.init.data = { type: 'float32', values: folded };
  if (bias) bias.init.data = { type: 'float32', values: b };
  else producer.inputs = [...producer.inputs, graph.addFloat(`${producer.name}_folded_bias`, [channels], b, 'parameter')];
  producer.outputs = [bn.outputs[0]];
  graph.nodes = graph.nodes.filter((n) => n !== bn);
  return true;
}

/** Folds every foldable batch norm; returns how many were folded. */
export function foldBatchNorms(graph: OnnxGraph): number {
  let folded = 0;
  for (const bn of graph.nodes.filter((n) => n.opType === 'BatchNormalization')) if (foldOne(graph, bn)) folded++;
  graph.pruneUnusedInitializers();
  return folded;
}
