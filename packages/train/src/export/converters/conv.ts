/**
 * Convolutions: Conv2D, DepthwiseConv2D and SeparableConv2D → ONNX Conv on NCHW values.
 *
 * Kernels change layout: tfjs Conv2D [kh, kw, in, out] → ONNX [out, in, kh, kw]; a depthwise kernel
 * [kh, kw, in, mult] → a grouped conv (group = in) with weight [in·mult, 1, kh, kw], output channel c·mult + m
 * as in tfjs. 'same' padding is written as explicit pads (TensorFlow puts the odd pixel at the end).
 */
import { attr } from '../onnx-graph.js';
import { toNCHW, type ExportValue } from '../export-value.js';
import { computePads, onnxPads } from '../padding.js';
import { applyActivation } from './activation.js';
import { intPair, padding, requireChannelsLast, singleInput, type ConverterContext, type LayerConverter } from './types.js';

interface ConvGeometry {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: number[];
}

/** Reads kernel/stride/dilation/padding and checks our output size against tfjs's (a guard against silent drift). */
function geometry(ctx: ConverterContext, x: ExportValue, kernel: [number, number], useDilation = true): ConvGeometry {
  requireChannelsLast(ctx);
  if (x.shape.length !== 3) ctx.fail(`expected a rank-4 image input [N, H, W, C], got rank ${x.shape.length + 1}`);
  const strides = intPair(ctx, 'strides', [1, 1]);
  const dilations: [number, number] = useDilation ? intPair(ctx, 'dilationRate', [1, 1]) : [1, 1];
  const pad = padding(ctx);
  const [h, w] = x.shape;
  const p = computePads(pad, [h, w], kernel, strides, dilations);
  const out = (size: number, k: number, s: number, d: number, before: number, after: number): number =>
    Math.floor((size + before + after - ((k - 1) * d + 1)) / s) + 1;
  const oh = out(h, kernel[0], strides[0], dilations[0], p.top, p.bottom);
  const ow = out(w, kernel[1], strides[1], dilations[1], p.left, p.right);
  if (oh !== ctx.outputShape[0] || ow !== ctx.outputShape[1]) {
    ctx.fail(`computed output ${oh}×${ow} but tfjs reports ${ctx.outputShape[0]}×${ctx.outputShape[1]}`);
  }
  return { kernel, strides, dilations, pads: onnxPads(p) };
}

function convNode(ctx: ConverterContext, x: ExportValue, weight: string, bias: string | undefined, g: ConvGeometry, group: number, nameBase: string): string {
  const inputs = bias ? [x.name, weight, bias] : [x.name, weight];
  return ctx.graph.op(
    'Conv',
    inputs,
    {
      kernel_shape: attr.ints(g.kernel),
      strides: attr.ints(g.strides),
      dilations: attr.ints(g.dilations),
      pads: attr.ints(g.pads),
      group: attr.int(group),
    },
    nameBase,
  );
}

/** tfjs [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
export function convKernelToOnnx(values: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = values[((y * kw + x) * cin + i) * cout + o];
  return out;
}

/** tfjs depthwise [kh, kw, in, mult] → ONNX grouped-conv weight [in·mult, 1, kh, kw]. */
export function depthwiseKernelToOnnx(values: Float32Array, [kh, kw, cin, mult]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let m = 0; m < mult; m++) out[((c * mult + m) * kh + y) * kw + x] = values[((y * kw + x) * cin + c) * mult + m];
  return out;
}

function optionalBias(ctx: ConverterContext): string | undefined {
  if (ctx.config.useBias === false || !ctx.hasWeight('bias')) return undefined;
  const b = ctx.weight('bias');
  return ctx.graph.addFloat(`${ctx.layerName}_bias`, [b.values.length], b.values, 'parameter');
}

function finish(ctx: ConverterContext, name: string): ExportValue {
  const y: ExportValue = { name, shape: ctx.outputShape, layout: 'NCHW' };
  return applyActivation(ctx, y, ctx.config.activation);
}

export const convertConv2D: LayerConverter = (ctx) => {
  const x = toNCHW(ctx.graph, singleInput(ctx));
  const k = ctx.weight('kernel');
  const [kh, kw, cin, cout] = k.shape;
  if (cin !== x.shape[2]) ctx.fail(`kernel expects ${cin} input channels, input has ${x.shape[2]}`);
  const g = geometry(ctx, x, [kh, kw]);
  const weight = ctx.graph.addFloat(`${ctx.layerName}_kernel`, [cout, cin, kh, kw], convKernelToOnnx(k.values, k.shape), 'weight', 0);
  return finish(ctx, convNode(ctx, x, weight, optionalBias(ctx), g, 1, ctx.layerName));
};

export const convertDepthwiseConv2D: LayerConverter = (ctx) => {
  const x = toNCHW(ctx.graph, singleInput(ctx));
  const k = ctx.weight('depthwise_kernel');
  const [kh, kw, cin, mult] = k.shape;
  if (cin !== x.shape[2]) ctx.fail(`kernel expects ${cin} input channels, input has ${x.shape[2]}`);
  // tfjs 4.x's DepthwiseConv2D layer ignores dilationRate (it calls depthwiseConv2d without it, and its output
  // shape agrees); the exported graph computes what the tfjs model computes.
  const g = geometry(ctx, x, [kh, kw], false);
  const weight = ctx.graph.addFloat(`${ctx.layerName}_depthwise_kernel`, [cin * mult, 1, kh, kw], depthwiseKernelToOnnx(k.values, k.shape), 'weight', 0);
  return finish(ctx, convNode(ctx, x, weight, optionalBias(ctx), g, cin, ctx.layerName));
};

/** Depthwise conv (strides, dilation, padding), then a 1×1 pointwise conv with the bias, as tfjs computes it. */
export const convertSeparableConv2D: LayerConverter = (ctx) => {
  const x = toNCHW(ctx.graph, singleInput(ctx));
  const dk = ctx.weight('depthwise_kernel');
  const pk = ctx.weight('pointwise_kernel');
  const [kh, kw, cin, mult] = dk.shape;
  const [, , pin, cout] = pk.shape;
  if (cin !== x.shape[2]) ctx.fail(`kernel expects ${cin} input channels, input has ${x.shape[2]}`);
  if (pin !== cin * mult) ctx.fail(`pointwise kernel expects ${pin} channels, depthwise produces ${cin * mult}`);
  const g = geometry(ctx, x, [kh, kw]);
  const dw = ctx.graph.addFloat(`${ctx.layerName}_depthwise_kernel`, [cin * mult, 1, kh, kw], depthwiseKernelToOnnx(dk.values, dk.shape), 'weight', 0);
  const depthwise = convNode(ctx, x, dw, undefined, g, cin, `${ctx.layerName}_depthwise`);
  const pw = ctx.graph.addFloat(`${ctx.layerName}_pointwise_kernel`, [cout, pin, 1, 1], convKernelToOnnx(pk.values, pk.shape), 'weight', 0);
  const pointwiseGeometry: ConvGeometry = { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] };
  const mid: ExportValue = { name: depthwise, shape: [ctx.outputShape[0], ctx.outputShape[1], cin * mult], layout: 'NCHW' };
  return finish(ctx, convNode(ctx, mid, pw, optionalBias(ctx), pointwiseGeometry, 1, ctx.layerName));
};
