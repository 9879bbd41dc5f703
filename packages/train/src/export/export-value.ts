/**
 * A tfjs tensor as it exists in the ONNX graph being built, and the layout conversions between tfjs (NHWC) and
 * ONNX (NCHW).
 *
 * tfjs image tensors are [N, H, W, C]; ONNX's Conv and pooling want [N, C, H, W]. Rank-4 values are kept NCHW
 * inside the graph ('NCHW'); everything else keeps tfjs's own element order ('plain'). A converter that needs
 * tfjs order (Flatten, Reshape) transposes back explicitly, so element order always matches tfjs exactly.
 */
import type { OnnxGraph } from './onnx-graph.js';

export type ValueLayout = 'NCHW' | 'plain';

export interface ExportValue {
  /** ONNX value name. */
  name: string;
  /** tfjs shape without the batch dimension, all sizes static. */
  shape: number[];
  layout: ValueLayout;
  /** True when the value is the output of our L2Normalize (and identity layers after it). */
  l2Normalized?: boolean;
}

/** tfjs [N,H,W,C] → ONNX [N,C,H,W]. */
export const NHWC_TO_NCHW = [0, 3, 1, 2];
/** ONNX [N,C,H,W] → tfjs [N,H,W,C]. */
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Rank including the batch dimension. */
export function rankOf(v: ExportValue): number {
  return v.shape.length + 1;
}

/** The value in tfjs element order. */
export function toPlain(graph: OnnxGraph, v: ExportValue): ExportValue {
  if (v.layout === 'plain') return v;
  return { ...v, name: graph.op('Transpose', [v.name], { perm: { kind: 'ints', value: NCHW_TO_NHWC } }, 'to_nhwc'), layout: 'plain' };
}

/** A rank-4 value in NCHW order. */
export function toNCHW(graph: OnnxGraph, v: ExportValue): ExportValue {
  if (v.layout === 'NCHW' || rankOf(v) !== 4) return v;
  return { ...v, name: graph.op('Transpose', [v.name], { perm: { kind: 'ints', value: NHWC_TO_NCHW } }, 'to_nchw'), layout: 'NCHW' };
}

/** Normalises a (possibly negative) tfjs axis of a value to 0..rank-1, or returns undefined when out of range. */
export function normalizeAxis(v: ExportValue, tfAxis: number): number | undefined {
  const rank = rankOf(v);
  const axis = tfAxis < 0 ? tfAxis + rank : tfAxis;
  return Number.isInteger(axis) && axis >= 0 && axis < rank ? axis : undefined;
}

/** The ONNX axis that holds tfjs axis `tfAxis` (0..rank-1) of the value. */
export function onnxAxis(v: ExportValue, tfAxis: number): number {
  if (v.layout !== 'NCHW') return tfAxis;
  return NHWC_TO_NCHW.indexOf(tfAxis);
}

/** ONNX dims of a value, batch as -1 (for Reshape targets and broadcast constants). */
export function onnxDims(v: ExportValue): number[] {
  if (v.layout === 'NCHW') {
    const [h, w, c] = v.shape;
    return [-1, c, h, w];
  }
  return [-1, ...v.shape];
}
