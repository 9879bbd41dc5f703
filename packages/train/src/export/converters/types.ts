/**
 * The contract between the model walker and the per-layer-family converters. A converter reads one layer call
 * (its config, weights and already-converted inputs), appends ONNX nodes and returns the value that stands for
 * the layer's output. It never guesses: anything it cannot reproduce exactly goes through `fail`.
 */
import type { serialization } from '@tensorflow/tfjs-core';
import type { OnnxGraph } from '../onnx-graph.js';
import type { ExportValue } from '../export-value.js';

export interface LayerWeight {
  /** tfjs shape, e.g. [kh, kw, in, out] for a conv kernel. */
  shape: number[];
  /** A copy of the values (never the model's own buffer). */
  values: Float32Array;
}

export interface ConverterContext {
  graph: OnnxGraph;
  /** The layer's name in the tfjs model. */
  layerName: string;
  /** tfjs class name, e.g. 'Conv2D'. */
  className: string;
  /** `layer.getConfig()`. */
  config: serialization.ConfigDict;
  /** Converted inputs of this call, in call order. */
  inputs: ExportValue[];
  /** tfjs output shape of this call without the batch dimension (static). */
  outputShape: number[];
  /** A weight by its short name ('kernel', 'bias', 'gamma', 'moving_mean', 'depthwise_kernel', ...). */
  weight(shortName: string): LayerWeight;
  hasWeight(shortName: string): boolean;
  /** Throws SiameseError('INVALID_ARGUMENT') naming the layer, its class, the problem and what to do. */
  fail(problem: string, howToProceed?: string): never;
}

export type LayerConverter = (ctx: ConverterContext) => ExportValue;

/** The single input of a one-input layer (fails clearly for merge-style calls). */
export function singleInput(ctx: ConverterContext): ExportValue {
  if (ctx.inputs.length !== 1) ctx.fail(`expected exactly one input, got ${ctx.inputs.length}`);
  return ctx.inputs[0];
}

/** A config entry that must be a pair of positive integers (kernel sizes, strides...). Accepts a single number. */
export function intPair(ctx: ConverterContext, key: string, fallback?: [number, number]): [number, number] {
  const v = ctx.config[key];
  if (v === undefined || v === null) {
    if (fallback) return fallback;
    ctx.fail(`config "${key}" is missing`);
  }
  const pair = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : [];
  if (pair.length !== 2 || !pair.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) {
    ctx.fail(`config "${key}" must be one or two positive integers, got ${JSON.stringify(v)}`);
  }
  return [pair[0] as number, pair[1] as number];
}

export function padding(ctx: ConverterContext): 'same' | 'valid' {
  const p = ctx.config.padding ?? 'valid';
  if (p !== 'same' && p !== 'valid') ctx.fail(`padding "${String(p)}" is not supported`, "use 'same' or 'valid'");
  return p;
}

/** Refuses channelsFirst layers: the exporter's layout bookkeeping assumes tfjs's default channelsLast. */
export function requireChannelsLast(ctx: ConverterContext): void {
  const f = ctx.config.dataFormat;
  if (f !== undefined && f !== null && f !== 'channelsLast') {
    ctx.fail(`dataFormat "${String(f)}" is not supported`, "build the model with dataFormat 'channelsLast' (the tfjs default)");
  }
}

/** A numeric config entry (default when absent); fails when present but not a finite number. */
export function configNumber(ctx: ConverterContext, key: string, fallback: number): number {
  const v = ctx.config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) return ctx.fail(`config "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** An axis config entry: a number, or an array holding exactly one number. */
export function configAxis(ctx: ConverterContext, key: string, fallback: number): number {
  const v = ctx.config[key];
  if (v === undefined || v === null) return fallback;
  const axis = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    return ctx.fail(`config "${key}" must be a single integer axis, got ${JSON.stringify(v)}`, 'use one axis');
  }
  return axis;
}
