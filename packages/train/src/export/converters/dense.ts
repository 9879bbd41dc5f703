/**
 * Dense: kernel [in, out], optional bias, fused activation. Rank 2 → Gemm. On a rank-4 NCHW value tfjs applies
 * the kernel to the channel axis, which is exactly a 1×1 Conv; rank 3 → MatMul + Add on the last axis.
 */
import { attr } from '../onnx-graph.js';
import type { ExportValue } from '../export-value.js';
import { applyActivation } from './activation.js';
import { convKernelToOnnx } from './conv.js';
import { singleInput, type LayerConverter } from './types.js';

export const convertDense: LayerConverter = (ctx) => {
  const x = singleInput(ctx);
  const k = ctx.weight('kernel');
  const [units, rank] = [k.shape[1], x.shape.length + 1];
  const inSize = x.shape[x.shape.length - 1];
  if (k.shape[0] !== inSize) ctx.fail(`kernel expects ${k.shape[0]} inputs, the input's last axis has ${inSize}`);
  const g = ctx.graph;
  const hasBias = ctx.config.useBias !== false && ctx.hasWeight('bias');
  const bias = hasBias ? g.addFloat(`${ctx.layerName}_bias`, [units], ctx.weight('bias').values, 'parameter') : undefined;
  let name: string;
  if (rank === 2) {
    const weight = g.addFloat(`${ctx.layerName}_kernel`, [inSize, units], k.values, 'weight', 1);
    name = g.op('Gemm', bias ? [x.name, weight, bias] : [x.name, weight], {}, ctx.layerName);
  } else if (rank === 4 && x.layout === 'NCHW') {
    const weight = g.addFloat(`${ctx.layerName}_kernel`, [units, inSize, 1, 1], convKernelToOnnx(k.values, [1, 1, inSize, units]), 'weight', 0);
    name = g.op('Conv', bias ? [x.name, weight, bias] : [x.name, weight], { kernel_shape: attr.ints([1, 1]) }, ctx.layerName);
  } else {
    if (x.layout !== 'plain') ctx.fail(`a rank-${rank} input in layout ${x.layout} is not supported`);
    const weight = g.addFloat(`${ctx.layerName}_kernel`, [inSize, units], k.values, 'weight', 1);
    const product = g.op('MatMul', [x.name, weight], {}, `${ctx.layerName}_matmul`);
    name = bias ? g.op('Add', [product, bias], {}, ctx.layerName) : product;
  }
  const y: ExportValue = { name, shape: ctx.outputShape, layout: x.layout };
  return applyActivation(ctx, y, ctx.config.activation);
};
