/**
 * Reads what the SDKs need from an ONNX file's bytes — metadata_props, graph inputs and outputs with their shapes,
 * opset imports, producer — without any inference runtime. onnxruntime's JS API does not expose custom
 * metadata_props, so both SDKs read the siamese-sdk metadata record through here.
 *
 * Only the small header messages are decoded; initializers and nodes are skipped by length, so reading a
 * many-megabyte model costs microseconds. Malformed or hostile bytes give SiameseError('MODEL_INVALID').
 */
import { SiameseError } from './errors.js';
import { METADATA_KEY, parseModelMetadata, type ModelMetadata } from './metadata.js';
import { ONNX_DATA_TYPE_NAMES, OnnxDataType, OnnxField } from './onnx-schema.js';
import { ProtoReader } from './protobuf.js';

/** A dimension: a fixed size, a symbolic name (dim_param, e.g. "N"), or null when neither is given. */
export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  /** `TensorProto.DataType` code of the element type (1 = float32); 0 when the value is not a tensor. */
  elemType: number;
  /** onnxruntime-style type name: 'float32', 'int64', ... ('undefined' when unknown). */
  elemTypeName: string;
  /** Dimensions, or null when the graph declares no shape. */
  dims: OnnxDim[] | null;
}

export interface OnnxOpsetImport {
  /** '' (or 'ai.onnx') is the default operator set. */
  domain: string;
  version: number;
}

export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  opsetImports: OnnxOpsetImport[];
  /** Graph inputs that are real inputs (initializers listed as inputs, as older IR versions do, are left out). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** The model's `metadata_props` (later duplicates win). */
  metadataProps: Record<string, string>;
}

function readDim(r: ProtoReader): OnnxDim {
  let dim: OnnxDim = null;
  while (r.next()) {
    if (r.field === OnnxField.Dimension.dimValue) dim = r.int64();
    else if (r.field === OnnxField.Dimension.dimParam) dim = r.string();
    else r.skip();
  }
  return dim;
}

function readShape(r: ProtoReader): OnnxDim[] {
  const dims: OnnxDim[] = [];
  while (r.next()) {
    if (r.field === OnnxField.TensorShape.dim) {
      if (dims.length >= 64) r.fail('tensor shape with more than 64 dimensions');
      dims.push(readDim(r.message('TensorShapeProto.dim')));
    } else r.skip();
  }
  return dims;
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  let name = '';
  let elemType = 0;
  let dims: OnnxDim[] | null = null;
  while (r.next()) {
    if (r.field === OnnxField.ValueInfo.name) name = r.string();
    else if (r.field === OnnxField.ValueInfo.type) {
      const type = r.message('TypeProto');
      while (type.next()) {
        if (type.field !== OnnxField.Type.tensorType) {
          type.skip();
          continue;
        }
        const tensor = type.message('TypeProto.Tensor');
        while (tensor.next()) {
          if (tensor.field === OnnxField.TypeTensor.elemType) elemType = tensor.int64();
          else if (tensor.field === OnnxField.TypeTensor.shape) dims = readShape(tensor.message('TensorShapeProto'));
          else tensor.skip();
        }
      }
    } else r.skip();
  }
  return { name, elemType, elemTypeName: ONNX_DATA_TYPE_NAMES[elemType] ?? 'undefined', dims };
}

/** Reads only the name of an initializer (its data is skipped by length). */
function readTensorName(r: ProtoReader): string {
  let name = '';
  while (r.next()) {
    if (r.field === OnnxField.Tensor.name) name = r.string();
    else r.skip();
  }
  return name;
}

interface GraphHeader {
  name: string;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializerNames: Set<string>;
}

function readGraph(r: ProtoReader): GraphHeader {
  const graph: GraphHeader = { name: '', inputs: [], outputs: [], initializerNames: new Set() };
  while (r.next()) {
    switch (r.field) {
      case OnnxField.Graph.name:
        graph.name = r.string();
        break;
      case OnnxField.Graph.input:
        graph.inputs.push(readValueInfo(r.message('GraphProto.input')));
        break;
      case OnnxField.Graph.output:
        graph.outputs.push(readValueInfo(r.message('GraphProto.output')));
        break;
      case OnnxField.Graph.initializer:
        graph.initializerNames.add(readTensorName(r.message('GraphProto.initializer')));
        break;
      default:
        r.skip();
    }
  }
  return graph;
}

function readStringEntry(r: ProtoReader): [string, string] {
  let key = '';
  let value = '';
  while (r.next()) {
    if (r.field === OnnxField.StringStringEntry.key) key = r.string();
    else if (r.field === OnnxField.StringStringEntry.value) value = r.string();
    else r.skip();
  }
  return [key, value];
}

function readOpset(r: ProtoReader): OnnxOpsetImport {
  let domain = '';
  let version = 0;
  while (r.next()) {
    if (r.field === OnnxField.OperatorSetId.domain) domain = r.string();
    else if (r.field === OnnxField.OperatorSetId.version) version = r.int64();
    else r.skip();
  }
  return { domain, version };
}

/**
 * Parses an ONNX model's header. Throws SiameseError('MODEL_INVALID') when the bytes are not a well-formed ONNX
 * model (malformed protobuf, no IR version, no graph, no default-domain opset, a graph without inputs or outputs).
 */
export function readOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo {
  if (!(bytes instanceof Uint8Array)) throw new SiameseError('INVALID_ARGUMENT', 'readOnnxModelInfo expects the model bytes as a Uint8Array');
  if (bytes.length === 0) throw new SiameseError('MODEL_INVALID', 'the model file is empty');
  const r = new ProtoReader(bytes, { errorCode: 'MODEL_INVALID', context: 'ModelProto' });
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  let graph: GraphHeader | null = null;
  const opsetImports: OnnxOpsetImport[] = [];
  const metadataProps: Record<string, string> = Object.create(null) as Record<string, string>;
  while (r.next()) {
    switch (r.field) {
      case OnnxField.Model.irVersion:
        irVersion = r.int64();
        break;
      case OnnxField.Model.producerName:
        producerName = r.string();
        break;
      case OnnxField.Model.producerVersion:
        producerVersion = r.string();
        break;
      case OnnxField.Model.graph:
        graph = readGraph(r.message('GraphProto'));
        break;
      case OnnxField.Model.opsetImport:
        opsetImports.push(readOpset(r.message('OperatorSetIdProto')));
        break;
      case OnnxField.Model.metadataProps: {
        const [key, value] = readStringEntry(r.message('StringStringEntryProto'));
        metadataProps[key] = value;
        break;
      }
      default:
        r.skip();
    }
  }
  const notOnnx = (why: string): never => {
    throw new SiameseError('MODEL_INVALID', `not an ONNX model: ${why}`);
  };
  if (irVersion < 1 || irVersion > 100) notOnnx(`ir_version ${irVersion} is missing or out of range`);
  if (!graph) return notOnnx('it has no graph');
  if (!opsetImports.some((o) => (o.domain === '' || o.domain === 'ai.onnx') && o.version >= 1)) notOnnx('it imports no ONNX operator set');
  const inputs = graph.inputs.filter((v) => !graph!.initializerNames.has(v.name));
  if (inputs.length === 0) notOnnx('the graph has no inputs');
  if (graph.outputs.length === 0) notOnnx('the graph has no outputs');
  return {
    irVersion,
    producerName,
    producerVersion,
    graphName: graph.name,
    opsetImports,
    inputs,
    outputs: graph.outputs,
    metadataProps: { ...metadataProps },
  };
}

/**
 * Checks that the graph is what the metadata says: a float32 input `[N, C, H, W]` with the metadata's channels and
 * size, and a float32 output `[N, D]` with D = output.size. Symbolic dimensions are accepted where a size is
 * expected (a dynamic dimension can take that size); a fixed, different size is a MODEL_SHAPE error.
 */
export function assertGraphMatchesMetadata(info: OnnxModelInfo, metadata: ModelMetadata): void {
  const shapeError = (message: string): never => {
    throw new SiameseError('MODEL_SHAPE', `model graph disagrees with its metadata: ${message}`);
  };
  const input = info.inputs.find((v) => v.name === metadata.input.name);
  if (!input) return shapeError(`no graph input named "${metadata.input.name}" (inputs: ${info.inputs.map((v) => v.name).join(', ')})`);
  const output = info.outputs.find((v) => v.name === metadata.output.name);
  if (!output) return shapeError(`no graph output named "${metadata.output.name}" (outputs: ${info.outputs.map((v) => v.name).join(', ')})`);
  if (input.elemType !== OnnxDataType.FLOAT) shapeError(`input "${input.name}" is ${input.elemTypeName}, expected float32`);
  if (output.elemType !== OnnxDataType.FLOAT) shapeError(`output "${output.name}" is ${output.elemTypeName}, expected float32`);
  const fits = (dim: OnnxDim, size: number): boolean => typeof dim !== 'number' || dim === size;
  const show = (dims: OnnxDim[]): string => `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
  const { channels, height, width } = metadata.input;
  if (input.dims) {
    const d = input.dims;
    if (d.length !== 4 || !fits(d[1], channels) || !fits(d[2], height) || !fits(d[3], width)) {
      shapeError(`input "${input.name}" has shape ${show(d)}, metadata says [N, ${channels}, ${height}, ${width}]`);
    }
  }
  if (output.dims) {
    const d = output.dims;
    if (d.length !== 2 || !fits(d[1], metadata.output.size)) {
      shapeError(`output "${output.name}" has shape ${show(d)}, metadata says [N, ${metadata.output.size}]`);
    }
  }
}

/**
 * The siamese-sdk metadata record of an ONNX model, checked against the graph.
 * Throws MODEL_INVALID (not ONNX), MODEL_METADATA (record missing or invalid), MODEL_SHAPE (graph disagrees).
 */
export function readModelMetadata(bytes: Uint8Array): ModelMetadata {
  const info = readOnnxModelInfo(bytes);
  return metadataFromModelInfo(info);
}

/** Same as {@link readModelMetadata} for an already-read header. */
export function metadataFromModelInfo(info: OnnxModelInfo): ModelMetadata {
  const json = info.metadataProps[METADATA_KEY];
  if (json === undefined) {
    throw new SiameseError(
      'MODEL_METADATA',
      `the model has no siamese-sdk metadata (metadata_props key "${METADATA_KEY}"); export it with \`siamese-train export\` so it carries its preprocessing, embedding size and calibration`,
    );
  }
  const metadata = parseModelMetadata(json);
  assertGraphMatchesMetadata(info, metadata);
  return metadata;
}
