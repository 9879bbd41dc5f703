/**
 * Merge layers: Add, Multiply, Average, Maximum, Minimum (element-wise, equal shapes) and Concatenate.
 * All inputs are brought to one layout first (NCHW when any is NCHW), so axes and element order agree.
 */
import { attr } from '../onnx-graph.js';
import { normalizeAxis, onnxAxis, toNCHW, type ExportValue } from '../export-value.js';
import { configAxis, type ConverterContext, type LayerConverter } from './types.js';

function sameLayout(ctx: ConverterContext): ExportValue[] {
  if (ctx.inputs.length < 2) ctx.fail(`expected at least two inputs, got ${ctx.inputs.length}`);
  const anyNCHW = ctx.inputs.some((v) => v.layout === 'NCHW');
  return ctx.inputs.map((v) => (anyNCHW ? toNCHW(ctx.graph, v) : v));
}

function elementwise(ctx: ConverterContext, combine: (a: string, b: string) => string, finish?: (sum: string, n: number) => string): ExportValue {
  const inputs = sameLayout(ctx);
  const shape = inputs[0].shape.join(',');
  if (inputs.some((v) => v.shape.join(',') !== shape)) {
    ctx.fail(`inputs have different shapes (${inputs.map((v) => `[${v.shape.join(', ')}]`).join(', ')})`, 'broadcasting merges are not supported; reshape the inputs to one shape');
  }
  let acc = inputs[0].name;
  for (let i = 1; i < inputs.length; i++) acc = combine(acc, inputs[i].name);
  const name = finish ? finish(acc, inputs.length) : acc;
  return { name, shape: ctx.outputShape, layout: inputs[0].layout };
}

const binary = (opType: string): LayerConverter => (ctx) => elementwise(ctx, (a, b) => ctx.graph.op(opType, [a, b], {}, ctx.layerName));

export const convertAdd = binary('Add');
export const convertMultiply = binary('Mul');
export const convertMaximum = binary('Max');
export const convertMinimum = binary('Min');

/** tfjs Average: the sum of the inputs times 1/n. */
export const convertAverage: LayerConverter = (ctx) =>
  elementwise(
    ctx,
    (a, b) => ctx.graph.op('Add', [a, b], {}, `${ctx.layerName}_sum`),
    (sum, n) => ctx.graph.op('Mul', [sum, ctx.graph.constFloat([1 / n])], {}, ctx.layerName),
  );

export const convertConcatenate: LayerConverter = (ctx) => {
  const inputs = sameLayout(ctx);
  const axisConfig = configAxis(ctx, 'axis', -1);
  const axis = normalizeAxis(inputs[0], axisConfig);
  if (axis === undefined || axis === 0) return ctx.fail(`axis ${axisConfig} is out of range or the batch axis`);
  const name = ctx.graph.op('Concat', inputs.map((v) => v.name), { axis: attr.int(onnxAxis(inputs[0], axis)) }, ctx.layerName);
  return { name, shape: ctx.outputShape, layout: inputs[0].layout };
};
