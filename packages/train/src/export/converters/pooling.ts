/**
 * Pooling: MaxPooling2D, AveragePooling2D (padding excluded from the average, as in tfjs → count_include_pad = 0),
 * GlobalAveragePooling2D and GlobalMaxPooling2D (→ [N, C]).
 */
import { attr, type OnnxAttribute } from '../onnx-graph.js';
import { toNCHW, type ExportValue } from '../export-value.js';
import { computePads, onnxPads } from '../padding.js';
import { intPair, padding, requireChannelsLast, singleInput, type ConverterContext, type LayerConverter } from './types.js';

function pool(ctx: ConverterContext, opType: 'MaxPool' | 'AveragePool'): ExportValue {
  requireChannelsLast(ctx);
  const x = toNCHW(ctx.graph, singleInput(ctx));
  if (x.shape.length !== 3) ctx.fail(`expected a rank-4 image input [N, H, W, C], got rank ${x.shape.length + 1}`);
  const kernel = intPair(ctx, 'poolSize', [2, 2]);
  const strides = intPair(ctx, 'strides', kernel);
  const p = computePads(padding(ctx), [x.shape[0], x.shape[1]], kernel, strides);
  const oh = Math.floor((x.shape[0] + p.top + p.bottom - kernel[0]) / strides[0]) + 1;
  const ow = Math.floor((x.shape[1] + p.left + p.right - kernel[1]) / strides[1]) + 1;
  if (oh !== ctx.outputShape[0] || ow !== ctx.outputShape[1]) {
    ctx.fail(`computed output ${oh}×${ow} but tfjs reports ${ctx.outputShape[0]}×${ctx.outputShape[1]}`);
  }
  const attributes: Record<string, OnnxAttribute> = { kernel_shape: attr.ints(kernel), strides: attr.ints(strides), pads: attr.ints(onnxPads(p)) };
  if (opType === 'AveragePool') attributes.count_include_pad = attr.int(0);
  const name = ctx.graph.op(opType, [x.name], attributes, ctx.layerName);
  return { name, shape: ctx.outputShape, layout: 'NCHW' };
}

export const convertMaxPooling2D: LayerConverter = (ctx) => pool(ctx, 'MaxPool');
export const convertAveragePooling2D: LayerConverter = (ctx) => pool(ctx, 'AveragePool');

function globalPool(ctx: ConverterContext, opType: 'GlobalAveragePool' | 'GlobalMaxPool'): ExportValue {
  requireChannelsLast(ctx);
  const x = toNCHW(ctx.graph, singleInput(ctx));
  if (x.shape.length !== 3) ctx.fail(`expected a rank-4 image input [N, H, W, C], got rank ${x.shape.length + 1}`);
  const pooled = ctx.graph.op(opType, [x.name], {}, `${ctx.layerName}_pool`);
  if (ctx.outputShape.length === 3) return { name: pooled, shape: ctx.outputShape, layout: 'NCHW' }; // keepDims
  // [N, C, 1, 1] → [N, C]: with a 1×1 map, NCHW and NHWC orders coincide.
  return { name: ctx.graph.op('Flatten', [pooled], { axis: attr.int(1) }, ctx.layerName), shape: ctx.outputShape, layout: 'plain' };
}

export const convertGlobalAveragePooling2D: LayerConverter = (ctx) => globalPool(ctx, 'GlobalAveragePool');
export const convertGlobalMaxPooling2D: LayerConverter = (ctx) => globalPool(ctx, 'GlobalMaxPool');
