/**
 * The siamese-sdk model metadata: the single source of truth for how a model is fed and read.
 *
 * The exporter (packages/train) writes this record as JSON into the ONNX file's `metadata_props`
 * under the key {@link METADATA_KEY}; both SDKs read it back with {@link parseModelMetadata}.
 * Nothing about preprocessing, embedding size, distance or calibration is hard-coded anywhere else.
 */
import { SiameseError } from './errors.js';

/** The `metadata_props` key the record is stored under. */
export const METADATA_KEY = 'siamese_sdk.metadata';
/** Identifies the record's schema; bump {@link METADATA_VERSION} on incompatible change. */
export const METADATA_SCHEMA = 'siamese-sdk/model-metadata';
export const METADATA_VERSION = 1;

export type ResizeMode = 'area' | 'bilinear' | 'nearest';
export type DistanceKind = 'euclidean' | 'cosine';

export interface InputSpec {
  /** ONNX graph input name. */
  name: string;
  /** Always NCHW float32 with a dynamic batch dimension. */
  layout: 'NCHW';
  width: number;
  height: number;
  /** 1 = grayscale, 3 = RGB. */
  channels: 1 | 3;
}

export interface PreprocessSpec {
  /** How the decoded image is resized to the input size (stretched, aspect ratio not kept). */
  resize: ResizeMode;
  /** Transparent pixels are composited over this RGB colour (0–255) before anything else. */
  background: [number, number, number];
  /** After scaling to [0, 1]: x = 1 - x when true (e.g. Omniglot: ink = 1, paper = 0). */
  invert: boolean;
  /** Per-channel mean subtracted after inversion (length = channels). */
  mean: number[];
  /** Per-channel std divided by after subtracting the mean (length = channels). */
  std: number[];
}

export interface OutputSpec {
  /** ONNX graph output name. */
  name: string;
  /** Embedding dimension D of the `[N, D]` output. */
  size: number;
  /** Whether the graph already L2-normalises its output. */
  normalized: boolean;
}

/**
 * Turns a distance into a same-class probability and a yes/no decision.
 * probability(d) = 1 / (1 + exp(plattA * d + plattB)); same = d <= threshold.
 */
export interface CalibrationSpec {
  /** Distance at or below which two images are judged the same class. */
  threshold: number;
  plattA: number;
  plattB: number;
  /** How many validation pairs the calibration was fitted on. */
  pairs?: number;
}

export interface ModelMetadata {
  schema: typeof METADATA_SCHEMA;
  version: typeof METADATA_VERSION;
  /** Human-readable model name, e.g. "omniglot-conv4". */
  name: string;
  input: InputSpec;
  preprocess: PreprocessSpec;
  output: OutputSpec;
  distance: DistanceKind;
  calibration: CalibrationSpec;
  /** Free-form facts about training (data, loss, steps, ...). */
  training?: Record<string, unknown>;
  /** Measured accuracy figures (name → value), e.g. { "val_5way_1shot": 0.97 }. */
  evaluation?: Record<string, number>;
  producer: { name: string; version: string };
  /** ISO-8601 timestamp. */
  createdAt: string;
  /**
   * Numeric storage of the exported file: 'fp32'; 'fp16' or 'int8' weights (computed in float32); or 'int8-qdq',
   * fully quantised (int8 weights, uint8 activations calibrated on validation images, ONNX QDQ form).
   */
  dtype?: ModelDType;
}

export const MODEL_DTYPES = ['fp32', 'fp16', 'int8', 'int8-qdq'] as const;
export type ModelDType = (typeof MODEL_DTYPES)[number];

type Json = Record<string, unknown>;

function fail(message: string, field?: string): never {
  throw new SiameseError('MODEL_METADATA', `invalid model metadata${field ? ` (${field})` : ''}: ${message}`, field ? { field } : {});
}
function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function obj(v: unknown, field: string): Json {
  if (!isObject(v)) fail('expected an object', field);
  return v;
}
function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) fail('expected a non-empty string', field);
  return v;
}
function num(v: unknown, field: string, opts: { int?: boolean; min?: number; max?: number; positive?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail('expected a finite number', field);
  if (opts.int && !Number.isInteger(v)) fail('expected an integer', field);
  if (opts.positive && !(v > 0)) fail('expected a positive number', field);
  if (opts.min !== undefined && v < opts.min) fail(`expected ≥ ${opts.min}`, field);
  if (opts.max !== undefined && v > opts.max) fail(`expected ≤ ${opts.max}`, field);
  return v;
}
function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(`expected one of ${allowed.join(', ')}`, field);
  return v as T;
}
function numArray(v: unknown, length: number, field: string, positive = false): number[] {
  if (!Array.isArray(v) || v.length !== length) fail(`expected an array of ${length} numbers`, field);
  return v.map((x, i) => num(x, `${field}[${i}]`, { positive }));
}
function numRecord(v: unknown, field: string): Record<string, number> {
  const o = obj(v, field);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(o)) out[k] = num(x, `${field}.${k}`);
  return out;
}

/** Validates an already-parsed value and returns a clean, typed copy (unknown keys dropped). */
export function validateModelMetadata(value: unknown): ModelMetadata {
  const m = obj(value, 'metadata');
  if (m.schema !== METADATA_SCHEMA) fail(`expected schema "${METADATA_SCHEMA}"`, 'schema');
  if (m.version !== METADATA_VERSION) fail(`unsupported version ${String(m.version)}; this SDK reads version ${METADATA_VERSION}`, 'version');
  const input = obj(m.input, 'input');
  const channels = num(input.channels, 'input.channels', { int: true });
  if (channels !== 1 && channels !== 3) fail('expected 1 or 3', 'input.channels');
  const pre = obj(m.preprocess, 'preprocess');
  const out = obj(m.output, 'output');
  const cal = obj(m.calibration, 'calibration');
  const producer = obj(m.producer, 'producer');
  const bg = numArray(pre.background ?? [255, 255, 255], 3, 'preprocess.background');
  for (const [i, c] of bg.entries()) num(c, `preprocess.background[${i}]`, { min: 0, max: 255 });
  if (typeof pre.invert !== 'boolean') fail('expected a boolean', 'preprocess.invert');
  if (typeof out.normalized !== 'boolean') fail('expected a boolean', 'output.normalized');
  const result: ModelMetadata = {
    schema: METADATA_SCHEMA,
    version: METADATA_VERSION,
    name: str(m.name, 'name'),
    input: {
      name: str(input.name, 'input.name'),
      layout: oneOf(input.layout, ['NCHW'] as const, 'input.layout'),
      width: num(input.width, 'input.width', { int: true, min: 1, max: 4096 }),
      height: num(input.height, 'input.height', { int: true, min: 1, max: 4096 }),
      channels,
    },
    preprocess: {
      resize: oneOf(pre.resize, ['area', 'bilinear', 'nearest'] as const, 'preprocess.resize'),
      background: [bg[0], bg[1], bg[2]],
      invert: pre.invert,
      mean: numArray(pre.mean, channels, 'preprocess.mean'),
      std: numArray(pre.std, channels, 'preprocess.std', true),
    },
    output: {
      name: str(out.name, 'output.name'),
      size: num(out.size, 'output.size', { int: true, min: 1, max: 65536 }),
      normalized: out.normalized,
    },
    distance: oneOf(m.distance, ['euclidean', 'cosine'] as const, 'distance'),
    calibration: {
      threshold: num(cal.threshold, 'calibration.threshold'),
      plattA: num(cal.plattA, 'calibration.plattA'),
      plattB: num(cal.plattB, 'calibration.plattB'),
      ...(cal.pairs !== undefined ? { pairs: num(cal.pairs, 'calibration.pairs', { int: true, min: 0 }) } : {}),
    },
    producer: { name: str(producer.name, 'producer.name'), version: str(producer.version, 'producer.version') },
    createdAt: str(m.createdAt, 'createdAt'),
  };
  if (m.training !== undefined) result.training = { ...obj(m.training, 'training') };
  if (m.evaluation !== undefined) result.evaluation = numRecord(m.evaluation, 'evaluation');
  if (m.dtype !== undefined) result.dtype = oneOf(m.dtype, MODEL_DTYPES, 'dtype');
  return result;
}

/** Parses the JSON string stored under {@link METADATA_KEY}. */
export function parseModelMetadata(json: string): ModelMetadata {
  if (json.length > 1_000_000) fail('record is larger than 1 MB');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    fail(`not valid JSON (${(e as Error).message})`);
  }
  return validateModelMetadata(value);
}

/** Serialises metadata for storage, validating it first so an exporter cannot write a record the SDKs refuse. */
export function serializeModelMetadata(metadata: ModelMetadata): string {
  return JSON.stringify(validateModelMetadata(metadata));
}

/** probability(d) from the model's Platt calibration. */
export function distanceToProbability(distance: number, calibration: CalibrationSpec): number {
  const z = calibration.plattA * distance + calibration.plattB;
  return 1 / (1 + Math.exp(z));
}
