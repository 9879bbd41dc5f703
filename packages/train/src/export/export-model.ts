/**
 * tfjs LayersModel → self-describing ONNX model.
 *
 * The graph takes `input` float32 [N, C, H, W] (dynamic batch N) and returns `embedding` float32 [N, D]; the
 * model's siamese-sdk metadata record (core's schema, validated before writing) is stored in metadata_props.
 */
import {
  METADATA_KEY,
  METADATA_SCHEMA,
  METADATA_VERSION,
  MODEL_DTYPES,
  SiameseError,
  serializeModelMetadata,
  validateModelMetadata,
  type CalibrationSpec,
  type DistanceKind,
  type ModelDType,
  type ModelMetadata,
  type PreprocessSpec,
} from '@siamese-sdk/core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { OnnxGraph } from './onnx-graph.js';
import { serializeOnnxModel } from './onnx-serialize.js';
import { convertModel } from './model-walker.js';
import type { ExportValue } from './export-value.js';
import { foldBatchNorms } from './passes/fold-batch-norm.js';
import { applyWeightStorage } from './passes/weight-storage.js';
import { applyQdq, qdqActivations, type ActivationRanges } from './passes/quantize-qdq.js';
import { PRODUCER } from './producer.js';
import { addShiftViewNodes, addViewMeanNodes } from './shift-views-graph.js';
import type { ShiftViews } from '../eval/shift-views.js';

export const ONNX_INPUT_NAME = 'input';
export const ONNX_OUTPUT_NAME = 'embedding';
export const DEFAULT_OPSET = 13;
export const SUPPORTED_OPSETS = { min: 13, max: 21 } as const;

/** The parts of the metadata record the exporter cannot read off the model. */
export interface ExportMetadataInput {
  /** Model name, e.g. "omniglot-conv4". */
  name: string;
  preprocess: PreprocessSpec;
  calibration: CalibrationSpec;
  /** Default 'euclidean'. */
  distance?: DistanceKind;
  training?: Record<string, unknown>;
  evaluation?: Record<string, number>;
  /** Default: now. */
  createdAt?: string;
  /** Default: @siamese-sdk/train and its version. */
  producer?: { name: string; version: string };
}

export interface ExportOptions {
  metadata: ExportMetadataInput;
  /**
   * 'fp32' (default); 'fp16' / 'int8' weight storage (the graph still computes in float32); 'int8-qdq': fully
   * quantised, which needs `activationRanges` (see `exportActivationProbe`).
   */
  dtype?: ModelDType;
  /** 'int8-qdq' only: the calibrated range of every value `exportActivationProbe` lists. */
  activationRanges?: ActivationRanges;
  /** ONNX opset, 13–21. Default 13. */
  opset?: number;
  /** Fold batch norms into the preceding conv/dense. Default true. */
  foldBatchNorm?: boolean;
  /**
   * Test-time shifted views inside the graph (see ../eval/shift-views.ts): the file then embeds each image as the
   * mean over the views, V times the inference. Default none.
   */
  views?: ShiftViews;
}

export interface OnnxExportStats {
  nodes: number;
  initializers: number;
  /** Learned values stored (after folding). */
  parameters: number;
  foldedBatchNorms: number;
  /** Node count per op type. */
  opTypes: Record<string, number>;
}

export interface OnnxExport {
  bytes: Uint8Array;
  metadata: ModelMetadata;
  stats: OnnxExportStats;
}

function invalid(message: string): never {
  throw new SiameseError('INVALID_ARGUMENT', message);
}

function imageInput(model: LayersModel): { height: number; width: number; channels: 1 | 3 } {
  if (model.inputs.length !== 1) invalid(`an embedding model has one input; this one has ${model.inputs.length}`);
  if (model.outputs.length !== 1) invalid(`an embedding model has one output; this one has ${model.outputs.length}`);
  const shape = model.inputs[0].shape;
  const [, height, width, channels] = shape;
  const sized = (d: number | null): d is number => typeof d === 'number' && Number.isInteger(d) && d > 0;
  if (shape.length !== 4 || !sized(height) || !sized(width) || !sized(channels)) {
    invalid(`the model input must be a fixed-size image batch [null, H, W, C]; it is [${shape.map(String).join(', ')}]`);
  }
  if (channels !== 1 && channels !== 3) invalid(`the model input must have 1 (grayscale) or 3 (RGB) channels; it has ${channels}`);
  return { height, width, channels };
}

interface BuiltGraph {
  graph: OnnxGraph;
  input: { height: number; width: number; channels: 1 | 3 };
  size: number;
  l2Normalized: boolean;
  foldedBatchNorms: number;
  parameters: number;
}

function checkOpset(opset: number): void {
  if (!Number.isInteger(opset) || opset < SUPPORTED_OPSETS.min || opset > SUPPORTED_OPSETS.max) {
    invalid(`opset must be an integer from ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max}, got ${String(opset)}`);
  }
}

/** The float32 graph: converted layers, named input/output, batch norms folded. */
function buildGraph(model: LayersModel, opset: number, foldBatchNorm: boolean, views: ShiftViews | undefined): BuiltGraph {
  const { height, width, channels } = imageInput(model);
  const graph = new OnnxGraph(opset);
  graph.reserveName(ONNX_INPUT_NAME);
  graph.reserveName(ONNX_OUTPUT_NAME);
  const input: ExportValue = { name: ONNX_INPUT_NAME, shape: [height, width, channels], layout: 'NCHW' };
  const [netOutput] = convertModel(graph, model, [views ? addShiftViewNodes(graph, input, views) : input]);
  if (netOutput.shape.length !== 1) {
    invalid(
      `the model output has shape [null, ${netOutput.shape.join(', ')}]; an embedding model must end in [null, D] — add a Flatten or GlobalAveragePooling2D layer`,
    );
  }
  const output = views ? addViewMeanNodes(graph, netOutput, views) : netOutput;
  if (output.name === ONNX_INPUT_NAME) graph.nodes.push({ name: 'identity_node', opType: 'Identity', inputs: [ONNX_INPUT_NAME], outputs: [ONNX_OUTPUT_NAME], attributes: {} });
  else graph.renameValue(output.name, ONNX_OUTPUT_NAME);
  const size = output.shape[0];
  graph.inputs = [{ name: ONNX_INPUT_NAME, dims: ['N', channels, height, width] }];
  graph.outputs = [{ name: ONNX_OUTPUT_NAME, dims: ['N', size] }];

  const foldedBatchNorms = foldBatchNorm ? foldBatchNorms(graph) : 0;
  graph.pruneUnusedInitializers();
  const parameters = [...graph.initializers.values()].filter((t) => t.role !== 'constant').reduce((n, t) => n + t.data.values.length, 0);
  return { graph, input: { height, width, channels }, size, l2Normalized: output.l2Normalized === true, foldedBatchNorms, parameters };
}

export interface ActivationProbe {
  /** The float32 model with each listed value as an extra graph output (shape undeclared). */
  bytes: Uint8Array;
  /** The values an 'int8-qdq' export needs ranges for, in graph order. */
  values: string[];
}

/**
 * The float graph `exportModelToOnnx` would write, with every activation the 'int8-qdq' export quantises as an
 * extra output: run it on calibration images and pass the observed ranges back as `activationRanges`. The value
 * names are the ones the real export uses (the graph is built the same way).
 */
export function exportActivationProbe(model: LayersModel, options: Pick<ExportOptions, 'opset' | 'foldBatchNorm' | 'views'> = {}): ActivationProbe {
  const opset = options.opset ?? DEFAULT_OPSET;
  checkOpset(opset);
  const { graph } = buildGraph(model, opset, options.foldBatchNorm !== false, options.views);
  const values = qdqActivations(graph);
  graph.outputs = [...graph.outputs, ...values.map((name) => ({ name }))];
  const bytes = serializeOnnxModel(graph, { producerName: PRODUCER.name, producerVersion: PRODUCER.version, graphName: 'activation-probe', docString: 'calibration probe', metadataProps: {} });
  return { bytes, values };
}

/** Exports `model` and returns the file bytes, the metadata record written and graph statistics. */
export function exportModelToOnnx(model: LayersModel, options: ExportOptions): OnnxExport {
  const dtype = options.dtype ?? 'fp32';
  if (!(MODEL_DTYPES as readonly unknown[]).includes(dtype)) invalid(`dtype must be ${MODEL_DTYPES.join(', ')}, got ${String(dtype)}`);
  if (dtype === 'int8-qdq' && !options.activationRanges) invalid('dtype int8-qdq needs activationRanges, calibrated on images with exportActivationProbe');
  const opset = options.opset ?? DEFAULT_OPSET;
  checkOpset(opset);
  if (!options.metadata || typeof options.metadata !== 'object') invalid('options.metadata is required (name, preprocess, calibration)');
  const built = buildGraph(model, opset, options.foldBatchNorm !== false, options.views);
  const { graph, size, foldedBatchNorms, parameters } = built;
  const { height, width, channels } = built.input;
  if (dtype === 'int8-qdq') applyQdq(graph, options.activationRanges as ActivationRanges);
  else applyWeightStorage(graph, dtype);

  const m = options.metadata;
  const metadata = validateModelMetadata({
    schema: METADATA_SCHEMA,
    version: METADATA_VERSION,
    name: m.name,
    input: { name: ONNX_INPUT_NAME, layout: 'NCHW', width, height, channels },
    preprocess: m.preprocess,
    output: { name: ONNX_OUTPUT_NAME, size, normalized: built.l2Normalized },
    distance: m.distance ?? 'euclidean',
    calibration: m.calibration,
    ...(m.training ? { training: m.training } : {}),
    ...(m.evaluation ? { evaluation: m.evaluation } : {}),
    producer: m.producer ?? PRODUCER,
    createdAt: m.createdAt ?? new Date().toISOString(),
    dtype,
  });
  const bytes = serializeOnnxModel(graph, {
    producerName: PRODUCER.name,
    producerVersion: PRODUCER.version,
    graphName: metadata.name,
    docString: `siamese-sdk embedding model "${metadata.name}": input [N, ${channels}, ${height}, ${width}] → embedding [N, ${size}]${options.views ? ` (mean over ${options.views.shifts.length} shifted views)` : ''}`,
    metadataProps: { [METADATA_KEY]: serializeModelMetadata(metadata) },
  });
  const opTypes: Record<string, number> = {};
  for (const n of graph.nodes) opTypes[n.opType] = (opTypes[n.opType] ?? 0) + 1;
  return { bytes, metadata, stats: { nodes: graph.nodes.length, initializers: graph.initializers.size, parameters, foldedBatchNorms, opTypes } };
}

/** Exports `model` to ONNX file bytes. */
export function exportToOnnx(model: LayersModel, options: ExportOptions): Uint8Array {
  return exportModelToOnnx(model, options).bytes;
}
