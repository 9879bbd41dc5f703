/**
 * Flatten and Reshape work on tfjs element order, so NCHW values are transposed back to NHWC first (skipped for
 * a 1×1 map, where both orders coincide). The batch dimension is kept with Reshape's 0 ("copy this dim").
 */
import { attr } from '../onnx-graph.js';
import { toNCHW, toPlain, type ExportValue } from '../export-value.js';
import { singleInput, type LayerConverter } from './types.js';

function plainForReshape(graph: Parameters<typeof toPlain>[0], x: ExportValue): ExportValue {
  if (x.layout === 'NCHW' && x.shape[0] === 1 && x.shape[1] === 1) return { ...x, layout: 'plain' };
  return toPlain(graph, x);
}

export const convertFlatten: LayerConverter = (ctx) => {
  const x = plainForReshape(ctx.graph, singleInput(ctx));
  if (x.shape.length === 1) return x;
  const name = ctx.graph.op('Flatten', [x.name], { axis: attr.int(1) }, ctx.layerName);
  return { name, shape: ctx.outputShape, layout: 'plain' };
};

export const convertReshape: LayerConverter = (ctx) => {
  const x = plainForReshape(ctx.graph, singleInput(ctx));
  const target = ctx.outputShape;
  if (target.some((d) => !Number.isInteger(d) || d < 1)) ctx.fail(`output shape [${target.join(', ')}] is not static`);
  const name = ctx.graph.op('Reshape', [x.name, ctx.graph.constInt64([0, ...target])], {}, ctx.layerName);
  return toNCHW(ctx.graph, { name, shape: target, layout: 'plain' });
};
