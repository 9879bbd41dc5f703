/**
 * Activations: the Activation layer, the activation functions fused into Conv2D/Dense (`activation: 'relu'`),
 * and the advanced-activation layers ReLU, LeakyReLU, ELU, Softmax. Each maps to ONNX ops that compute the same
 * function as tfjs (see tfjs-layers/src/activations.ts).
 */
import { attr, type OnnxGraph } from '../onnx-graph.js';
import { normalizeAxis, onnxAxis, type ExportValue } from '../export-value.js';
import { configAxis, configNumber, singleInput, type ConverterContext, type LayerConverter } from './types.js';

type Emit = (graph: OnnxGraph, x: ExportValue, fail: ConverterContext['fail']) => string;

function clip(graph: OnnxGraph, x: string, min: number, max: number | undefined): string {
  const inputs = [x, graph.constFloat([min])];
  if (max !== undefined) inputs.push(graph.constFloat([max]));
  return graph.op('Clip', inputs);
}

function softmax(graph: OnnxGraph, x: ExportValue, tfAxis: number, fail: ConverterContext['fail']): string {
  const axis = normalizeAxis(x, tfAxis);
  if (axis === undefined || axis === 0) return fail(`softmax axis ${tfAxis} is out of range for a rank-${x.shape.length + 1} input`);
  return graph.op('Softmax', [x.name], { axis: attr.int(onnxAxis(x, axis)) });
}

/** tfjs activation identifiers → ONNX. 'linear' is handled by the caller (no node). */
const ACTIVATIONS: Record<string, Emit> = {
  relu: (g, x) => g.op('Relu', [x.name]),
  relu6: (g, x) => clip(g, x.name, 0, 6),
  sigmoid: (g, x) => g.op('Sigmoid', [x.name]),
  tanh: (g, x) => g.op('Tanh', [x.name]),
  elu: (g, x) => g.op('Elu', [x.name], { alpha: attr.float(1) }),
  // tfjs selu uses the constants of Klambauer et al.; ONNX's defaults are the same values rounded to float32.
  selu: (g, x) => g.op('Selu', [x.name], { alpha: attr.float(1.6732632423543772), gamma: attr.float(1.0507009873554805) }),
  softplus: (g, x) => g.op('Softplus', [x.name]),
  softsign: (g, x) => g.op('Softsign', [x.name]),
  // tfjs: clip(0.2·x + 0.5, 0, 1) — exactly ONNX HardSigmoid's definition with these constants.
  hardSigmoid: (g, x) => g.op('HardSigmoid', [x.name], { alpha: attr.float(0.2), beta: attr.float(0.5) }),
  swish: (g, x) => g.op('Mul', [x.name, g.op('Sigmoid', [x.name])]),
  mish: (g, x) => g.op('Mul', [x.name, g.op('Tanh', [g.op('Softplus', [x.name])])]),
  // tfjs gelu: x · 0.5 · (1 + erf(x / √2)).
  gelu: (g, x) => {
    const erf = g.op('Erf', [g.op('Div', [x.name, g.constFloat([Math.SQRT2])])]);
    const cdf = g.op('Mul', [g.constFloat([0.5]), g.op('Add', [g.constFloat([1]), erf])]);
    return g.op('Mul', [x.name, cdf]);
  },
  softmax: (g, x, fail) => softmax(g, x, -1, fail),
};

export const SUPPORTED_ACTIVATIONS = ['linear', ...Object.keys(ACTIVATIONS)];

/** Applies a tfjs activation identifier (as found in a layer config) to a value. */
export function applyActivation(ctx: ConverterContext, x: ExportValue, activation: unknown): ExportValue {
  const name = activation === undefined || activation === null ? 'linear' : activation;
  if (typeof name !== 'string') return ctx.fail(`activation ${JSON.stringify(activation)} is not a known activation name`);
  if (name === 'linear') return x;
  const emit = ACTIVATIONS[name];
  if (!emit) return ctx.fail(`activation "${name}" has no ONNX converter`, `use one of: ${SUPPORTED_ACTIVATIONS.join(', ')}`);
  return { ...x, name: emit(ctx.graph, x, ctx.fail), l2Normalized: false };
}

export const convertActivation: LayerConverter = (ctx) => applyActivation(ctx, singleInput(ctx), ctx.config.activation);

/** ReLU layer, optionally capped at maxValue. */
export const convertReLU: LayerConverter = (ctx) => {
  const x = singleInput(ctx);
  if (ctx.config.maxValue === undefined || ctx.config.maxValue === null) return { ...x, name: ctx.graph.op('Relu', [x.name]), l2Normalized: false };
  return { ...x, name: clip(ctx.graph, x.name, 0, configNumber(ctx, 'maxValue', 0)), l2Normalized: false };
};

export const convertLeakyReLU: LayerConverter = (ctx) => {
  const x = singleInput(ctx);
  const alpha = configNumber(ctx, 'alpha', 0.3);
  return { ...x, name: ctx.graph.op('LeakyRelu', [x.name], { alpha: attr.float(alpha) }), l2Normalized: false };
};

export const convertELU: LayerConverter = (ctx) => {
  const x = singleInput(ctx);
  const alpha = configNumber(ctx, 'alpha', 1);
  return { ...x, name: ctx.graph.op('Elu', [x.name], { alpha: attr.float(alpha) }), l2Normalized: false };
};

/** Softmax layer. Note tfjs's Softmax layer defaults to axis 1 (not -1 as the activation does). */
export const convertSoftmax: LayerConverter = (ctx) => {
  const x = singleInput(ctx);
  const axis = configAxis(ctx, 'axis', 1);
  return { ...x, name: softmax(ctx.graph, x, axis, ctx.fail), l2Normalized: false };
};
