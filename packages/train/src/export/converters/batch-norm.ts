/**
 * BatchNormalization (inference mode: moving statistics) over the last (channel) axis → an ONNX
 * BatchNormalization node with the layer's own epsilon. The fold-batch-norm pass later merges it into a preceding
 * Conv/Gemm when that is exact in structure (the conv output feeds nothing else). When the channel axis is not
 * ONNX axis 1 (a rank-3 value) it is written as x·s + t with per-channel constants.
 */
import { attr } from '../onnx-graph.js';
import { normalizeAxis, onnxAxis, rankOf } from '../export-value.js';
import { configAxis, configNumber, singleInput, type LayerConverter } from './types.js';

export const convertBatchNormalization: LayerConverter = (ctx) => {
  const x = singleInput(ctx);
  const axisConfig = configAxis(ctx, 'axis', -1);
  const tfAxis = normalizeAxis(x, axisConfig);
  if (tfAxis === undefined || tfAxis !== x.shape.length) {
    // tfjs 4.x applies the statistics of a non-last axis by flat index (as if they belonged to the last axis),
    // so such a layer does not compute a batch norm over that axis; refuse rather than pick one behaviour.
    return ctx.fail(`normalisation over axis ${axisConfig} is not supported (only the last, channel axis)`, 'use axis -1');
  }
  const epsilon = configNumber(ctx, 'epsilon', 1e-3);
  if (epsilon < 0) return ctx.fail(`epsilon ${epsilon} is negative`);
  const size = x.shape[tfAxis - 1];
  const mean = ctx.weight('moving_mean').values;
  const variance = ctx.weight('moving_variance').values;
  const gamma = ctx.config.scale === false || !ctx.hasWeight('gamma') ? new Float32Array(size).fill(1) : ctx.weight('gamma').values;
  const beta = ctx.config.center === false || !ctx.hasWeight('beta') ? new Float32Array(size) : ctx.weight('beta').values;
  for (const [name, v] of [['moving_mean', mean], ['moving_variance', variance], ['gamma', gamma], ['beta', beta]] as const) {
    if (v.length !== size) ctx.fail(`${name} has ${v.length} values for an axis of size ${size}`);
  }
  const axis = onnxAxis(x, tfAxis);
  const g = ctx.graph;
  if (axis === 1) {
    const base = ctx.layerName;
    const name = g.op(
      'BatchNormalization',
      [
        x.name,
        g.addFloat(`${base}_gamma`, [size], gamma, 'parameter'),
        g.addFloat(`${base}_beta`, [size], beta, 'parameter'),
        g.addFloat(`${base}_moving_mean`, [size], mean, 'parameter'),
        g.addFloat(`${base}_moving_variance`, [size], variance, 'parameter'),
      ],
      { epsilon: attr.float(epsilon) },
      base,
    );
    return { ...x, name, l2Normalized: false };
  }
  // Channel axis last in ONNX too: y = x·s + t with s = γ/√(σ²+ε), t = β − μ·s, broadcast along `axis`.
  const s = new Float32Array(size);
  const t = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s[i] = gamma[i] / Math.sqrt(variance[i] + epsilon);
    t[i] = beta[i] - mean[i] * s[i];
  }
  const dims = Array.from({ length: rankOf(x) - 1 }, (_, i) => (i + 1 === axis ? size : 1));
  const scaled = g.op('Mul', [x.name, g.addFloat(`${ctx.layerName}_scale`, dims, s, 'parameter')]);
  return { ...x, name: g.op('Add', [scaled, g.addFloat(`${ctx.layerName}_shift`, dims, t, 'parameter')], {}, ctx.layerName), l2Normalized: false };
};
