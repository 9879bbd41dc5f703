/** ZeroPadding2D → Pad (constant 0) on the spatial axes of an NCHW value. */
import { toNCHW } from '../export-value.js';
import { requireChannelsLast, singleInput, type LayerConverter } from './types.js';

export const convertZeroPadding2D: LayerConverter = (ctx) => {
  requireChannelsLast(ctx);
  const x = toNCHW(ctx.graph, singleInput(ctx));
  if (x.shape.length !== 3) ctx.fail(`expected a rank-4 image input [N, H, W, C], got rank ${x.shape.length + 1}`);
  const p = ctx.config.padding;
  const ok = Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every((v) => Number.isInteger(v) && (v as number) >= 0));
  if (!ok) ctx.fail(`padding ${JSON.stringify(p)} is not [[top, bottom], [left, right]]`);
  const [[top, bottom], [left, right]] = p as [[number, number], [number, number]];
  // ONNX Pad order: [x1_begin, x2_begin, x3_begin, x4_begin, x1_end, ...] over N, C, H, W.
  const pads = ctx.graph.constInt64([0, 0, top, left, 0, 0, bottom, right]);
  const name = ctx.graph.op('Pad', [x.name, pads], {}, ctx.layerName);
  return { name, shape: ctx.outputShape, layout: 'NCHW' };
};
