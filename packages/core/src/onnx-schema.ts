/**
 * The parts of the ONNX protobuf schema (onnx/onnx.proto, IR version 7–10) that siamese-sdk reads and writes:
 * field numbers and enum values, in one place for the reader (./onnx-model-info.ts) and the exporter
 * (packages/train/src/export).
 */

/** `TensorProto.DataType`. */
export const OnnxDataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** Lower-case names of element types, as onnxruntime's JS API spells tensor types. */
export const ONNX_DATA_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'undefined',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

/** `AttributeProto.AttributeType`. */
export const OnnxAttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

/** Field numbers by message. */
export const OnnxField = {
  Model: { irVersion: 1, producerName: 2, producerVersion: 3, domain: 4, modelVersion: 5, docString: 6, graph: 7, opsetImport: 8, metadataProps: 14 },
  OperatorSetId: { domain: 1, version: 2 },
  StringStringEntry: { key: 1, value: 2 },
  Graph: { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12, valueInfo: 13 },
  Node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7 },
  Attribute: { name: 1, f: 2, i: 3, s: 4, t: 5, g: 6, floats: 7, ints: 8, strings: 9, type: 20 },
  Tensor: { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, docString: 12 },
  ValueInfo: { name: 1, type: 2, docString: 3 },
  Type: { tensorType: 1, denotation: 6 },
  TypeTensor: { elemType: 1, shape: 2 },
  TensorShape: { dim: 1 },
  Dimension: { dimValue: 1, dimParam: 2, denotation: 3 },
} as const;

/** The IR version each supported opset needs at least (onnx/docs/Versioning.md). */
export function irVersionForOpset(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}
