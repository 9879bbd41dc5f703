/**
 * Our L2Normalize layer (packages/train/src/model/l2-normalize.ts): y = x · rsqrt(max(Σ x², ε)) along the last
 * tfjs axis, written with the same operations in the same order (ReduceSumSquare, Max, Sqrt, Reciprocal, Mul) so
 * the result matches tfjs to the last bits, zero rows included.
 */
import { attr, type OnnxGraph } from '../onnx-graph.js';
import { onnxAxis } from '../export-value.js';
import { configNumber, singleInput, type LayerConverter } from './types.js';

/** The nodes of y = x · rsqrt(max(Σ x², ε)) along ONNX axis `axis`; returns y's name. */
export function l2NormalizeNodes(g: OnnxGraph, x: string, axis: number, epsilon: number, nameBase: string): string {
  // ReduceSumSquare took `axes` as an attribute until opset 18 and as an input since.
  const squaredNorm =
    g.opset >= 18
      ? g.op('ReduceSumSquare', [x, g.constInt64([axis])], { keepdims: attr.int(1) }, `${nameBase}_sumsq`)
      : g.op('ReduceSumSquare', [x], { axes: attr.ints([axis]), keepdims: attr.int(1) }, `${nameBase}_sumsq`);
  const floored = g.op('Max', [squaredNorm, g.constFloat([epsilon])]);
  const inverseNorm = g.op('Reciprocal', [g.op('Sqrt', [floored])]);
  return g.op('Mul', [x, inverseNorm], {}, nameBase);
}

export const convertL2Normalize: LayerConverter = (ctx) => {
  const x = singleInput(ctx);
  const epsilon = configNumber(ctx, 'epsilon', 1e-12);
  if (epsilon < 0) return ctx.fail(`epsilon ${epsilon} is negative`);
  const axis = onnxAxis(x, x.shape.length);
  return { ...x, name: l2NormalizeNodes(ctx.graph, x.name, axis, epsilon, ctx.layerName), l2Normalized: true };
};
