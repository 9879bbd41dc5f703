/**
 * Writes an {@link OnnxGraph} as an ONNX ModelProto with core's protobuf writer (the same wire-format code the
 * SDKs read with). Tensors are stored as little-endian `raw_data`, as ONNX requires.
 */
import { OnnxAttributeType, OnnxDataType, OnnxField as F, ProtoWriter, irVersionForOpset } from '@siamese-sdk/core';
import type { OnnxAttribute, OnnxGraph, OnnxGraphValue, OnnxInitializer, OnnxNode, TensorData } from './onnx-graph.js';

export interface ModelHeader {
  producerName: string;
  producerVersion: string;
  graphName: string;
  docString?: string;
  metadataProps: Record<string, string>;
}

// Typed arrays use the host's byte order; ONNX raw_data is little-endian. Every platform Node and browsers run on
// is little-endian, but say so loudly rather than write a corrupt file.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const DATA_TYPES: Record<TensorData['type'], number> = {
  float32: OnnxDataType.FLOAT,
  float16: OnnxDataType.FLOAT16,
  int8: OnnxDataType.INT8,
  uint8: OnnxDataType.UINT8,
  int32: OnnxDataType.INT32,
  int64: OnnxDataType.INT64,
};

function rawBytes(data: TensorData): Uint8Array {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error('ONNX export needs a little-endian host');
  const v = data.values;
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function writeTensor(w: ProtoWriter, t: OnnxInitializer): void {
  w.packedVarints(F.Tensor.dims, t.dims);
  w.varint(F.Tensor.dataType, DATA_TYPES[t.data.type]);
  w.string(F.Tensor.name, t.name);
  w.bytes(F.Tensor.rawData, rawBytes(t.data));
}

function writeAttribute(w: ProtoWriter, name: string, a: OnnxAttribute): void {
  w.string(F.Attribute.name, name);
  switch (a.kind) {
    case 'int':
      w.varint(F.Attribute.type, OnnxAttributeType.INT).varint(F.Attribute.i, a.value);
      return;
    case 'ints':
      w.varint(F.Attribute.type, OnnxAttributeType.INTS).packedVarints(F.Attribute.ints, a.value);
      return;
    case 'float':
      w.varint(F.Attribute.type, OnnxAttributeType.FLOAT).float(F.Attribute.f, a.value);
      return;
    case 'floats':
      w.varint(F.Attribute.type, OnnxAttributeType.FLOATS).packedFloats(F.Attribute.floats, a.value);
      return;
    case 'string':
      w.varint(F.Attribute.type, OnnxAttributeType.STRING).string(F.Attribute.s, a.value);
      return;
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(F.Node.input, i);
  for (const o of n.outputs) w.string(F.Node.output, o);
  w.string(F.Node.name, n.name);
  w.string(F.Node.opType, n.opType);
  for (const [name, a] of Object.entries(n.attributes)) w.message(F.Node.attribute, (aw) => writeAttribute(aw, name, a));
}

function writeValueInfo(w: ProtoWriter, v: OnnxGraphValue): void {
  w.string(F.ValueInfo.name, v.name);
  w.message(F.ValueInfo.type, (t) =>
    t.message(F.Type.tensorType, (tt) => {
      tt.varint(F.TypeTensor.elemType, OnnxDataType.FLOAT);
      const dims = v.dims;
      if (dims) {
        tt.message(F.TypeTensor.shape, (s) => {
          for (const d of dims) {
            s.message(F.TensorShape.dim, (dw) => (typeof d === 'number' ? dw.varint(F.Dimension.dimValue, d) : dw.string(F.Dimension.dimParam, d)));
          }
        });
      }
    }),
  );
}

/** The ModelProto bytes of `graph`. */
export function serializeOnnxModel(graph: OnnxGraph, header: ModelHeader): Uint8Array {
  const w = new ProtoWriter(1 << 16);
  w.varint(F.Model.irVersion, irVersionForOpset(graph.opset));
  w.message(F.Model.opsetImport, (o) => o.string(F.OperatorSetId.domain, '').varint(F.OperatorSetId.version, graph.opset));
  w.string(F.Model.producerName, header.producerName);
  w.string(F.Model.producerVersion, header.producerVersion);
  w.varint(F.Model.modelVersion, 1);
  if (header.docString) w.string(F.Model.docString, header.docString);
  w.message(F.Model.graph, (g) => {
    for (const n of graph.nodes) g.message(F.Graph.node, (nw) => writeNode(nw, n));
    g.string(F.Graph.name, header.graphName);
    for (const t of graph.initializers.values()) g.message(F.Graph.initializer, (tw) => writeTensor(tw, t));
    for (const i of graph.inputs) g.message(F.Graph.input, (vw) => writeValueInfo(vw, i));
    for (const o of graph.outputs) g.message(F.Graph.output, (vw) => writeValueInfo(vw, o));
  });
  for (const [key, value] of Object.entries(header.metadataProps)) {
    w.message(F.Model.metadataProps, (e) => e.string(F.StringStringEntry.key, key).string(F.StringStringEntry.value, value));
  }
  return w.finish();
}
