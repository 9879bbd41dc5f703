/**
 * Test-time shifted views (../eval/shift-views.ts) as ONNX nodes, so an exported file embeds through the views
 * by itself: input [N, C, H, W] → Pad with the background → one Slice per shift → Concat into [V·N, C, H, W] →
 * the network → [V·N, D] → Reshape [V, N, D] → ReduceMean over the views → [N, D] → L2 normalisation again when
 * the network's output is unit length. The SDKs see an ordinary model: the same input, the same output.
 */
import { SiameseError } from '@siamese-sdk/core';
import { attr, type OnnxGraph } from './onnx-graph.js';
import type { ExportValue } from './export-value.js';
import { l2NormalizeNodes } from './converters/l2-normalize.js';
import { checkShiftViews, type ShiftViews } from '../eval/shift-views.js';
import { L2_NORMALIZE_EPSILON } from '../model/l2-normalize.js';

/** The batch of all views of `input` (an NCHW image value): view v of image i is row v·N + i. */
export function addShiftViewNodes(graph: OnnxGraph, input: ExportValue, views: ShiftViews): ExportValue {
  if (input.layout !== 'NCHW' || input.shape.length !== 3) throw new SiameseError('INVALID_ARGUMENT', 'test-time views need an NCHW image input');
  const [height, width, channels] = input.shape;
  checkShiftViews(views, { height, width, channels });
  const py = Math.max(...views.shifts.map(([, dy]) => Math.abs(dy)));
  const px = Math.max(...views.shifts.map(([dx]) => Math.abs(dx)));
  // Pad fills with one scalar; a per-channel background is padded as 0 around (x − fill), then added back.
  const uniform = views.fill.every((v) => v === views.fill[0]);
  const fillTensor = uniform ? undefined : graph.constFloat([...views.fill], [1, channels, 1, 1]);
  const centred = fillTensor ? graph.op('Sub', [input.name, fillTensor], {}, 'views_centred') : input.name;
  const padValue = graph.constFloat([uniform ? views.fill[0] : 0]);
  const padded0 = graph.op('Pad', [centred, graph.constInt64([0, 0, py, px, 0, 0, py, px]), padValue], { mode: attr.string('constant') }, 'views_padded');
  const padded = fillTensor ? graph.op('Add', [padded0, fillTensor], {}, 'views_padded_filled') : padded0;
  const slices = views.shifts.map(([dx, dy], v) =>
    dx === 0 && dy === 0 && py === 0 && px === 0
      ? input.name
      : graph.op('Slice', [padded, graph.constInt64([py - dy, px - dx]), graph.constInt64([py - dy + height, px - dx + width]), graph.constInt64([2, 3])], {}, `view_${v}`),
  );
  const batch = slices.length === 1 ? slices[0] : graph.op('Concat', slices, { axis: attr.int(0) }, 'views');
  return { ...input, name: batch };
}

/** The mean over the views of a [V·N, D] output (and its renormalisation when the network's output is unit length). */
export function addViewMeanNodes(graph: OnnxGraph, output: ExportValue, views: ShiftViews): ExportValue {
  if (output.shape.length !== 1) throw new SiameseError('INVALID_ARGUMENT', `test-time views need a [N, D] embedding output; it is [N, ${output.shape.join(', ')}]`);
  const count = views.shifts.length;
  const size = output.shape[0];
  const perView = graph.op('Reshape', [output.name, graph.constInt64([count, -1, size])], {}, 'views_split');
  // ReduceMean took `axes` as an attribute until opset 18 and as an input since.
  const mean =
    graph.opset >= 18
      ? graph.op('ReduceMean', [perView, graph.constInt64([0])], { keepdims: attr.int(0) }, 'views_mean')
      : graph.op('ReduceMean', [perView], { axes: attr.ints([0]), keepdims: attr.int(0) }, 'views_mean');
  if (!output.l2Normalized) return { ...output, name: mean, layout: 'plain' };
  return { ...output, name: l2NormalizeNodes(graph, mean, 1, L2_NORMALIZE_EPSILON, 'views_normalized'), layout: 'plain', l2Normalized: true };
}
