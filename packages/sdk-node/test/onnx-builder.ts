/**
 * Builds small but real ONNX models for the SDK's mechanics tests (run by the real onnxruntime-node):
 * input [N, C, H, W] → Flatten → MatMul(W) → output [N, D], with W fixed by a seed, and the siamese-sdk metadata
 * written (or forged, or left out) exactly as the exporter does.
 */
import { METADATA_KEY, METADATA_SCHEMA, METADATA_VERSION, type ModelMetadata, OnnxDataType, OnnxField as F, ProtoWriter } from '@siamese-sdk/core';

export function testMetadata(overrides: Partial<ModelMetadata> = {}): ModelMetadata {
  return {
    schema: METADATA_SCHEMA,
    version: METADATA_VERSION,
    name: 'linear-test',
    input: { name: 'image', layout: 'NCHW', width: 28, height: 28, channels: 1 },
    preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] },
    output: { name: 'embedding', size: 16, normalized: false },
    distance: 'euclidean',
    calibration: { threshold: 0.9, plattA: 8, plattB: -7 },
    producer: { name: 'sdk-node-test', version: '0' },
    createdAt: '2026-11-29T16:00:00.000Z',
    ...overrides,
  };
}

export interface BuildOptions {
  metadata?: ModelMetadata;
  /** The raw metadata string (forged records); overrides `metadata`. */
  metadataJson?: string;
  /** Leave the metadata out. */
  noMetadata?: boolean;
  /** Graph input shape (default [N, C, H, W] from the metadata). */
  inputDims?: (number | string)[];
  /** Embedding size the graph really produces (default: the metadata's). */
  graphOutputSize?: number;
  /** Declared output dims (default [N, D]). */
  outputDims?: (number | string)[];
  seed?: number;
}

function valueInfo(w: ProtoWriter, name: string, dims: (number | string)[]): void {
  w.string(F.ValueInfo.name, name).message(F.ValueInfo.type, (t) =>
    t.message(F.Type.tensorType, (tt) =>
      tt.varint(F.TypeTensor.elemType, OnnxDataType.FLOAT).message(F.TensorShape.dim === 1 ? F.TypeTensor.shape : F.TypeTensor.shape, (s) => {
        for (const d of dims) s.message(F.TensorShape.dim, (dim) => (typeof d === 'number' ? dim.varint(F.Dimension.dimValue, d) : dim.string(F.Dimension.dimParam, d)));
      }),
    ),
  );
}

export function buildLinearModel(options: BuildOptions = {}): Uint8Array {
  const metadata = options.metadata ?? testMetadata();
  const { channels: C, height: H, width: W } = metadata.input;
  const inSize = C * H * W;
  const D = options.graphOutputSize ?? metadata.output.size;
  let seed = options.seed ?? 1;
  const weights = new Float32Array(inSize * D).map(() => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.2);
  const w = new ProtoWriter(weights.byteLength + 4096);
  w.varint(F.Model.irVersion, 8);
  w.message(F.Model.opsetImport, (op) => op.string(F.OperatorSetId.domain, '').varint(F.OperatorSetId.version, 17));
  w.string(F.Model.producerName, 'sdk-node-test').string(F.Model.producerVersion, '0');
  w.message(F.Model.graph, (g) => {
    g.string(F.Graph.name, 'linear');
    g.message(F.Graph.node, (n) =>
      n.string(F.Node.input, metadata.input.name).string(F.Node.output, 'flat').string(F.Node.name, 'flatten').string(F.Node.opType, 'Flatten').message(F.Node.attribute, (a) =>
        a.string(F.Attribute.name, 'axis').varint(F.Attribute.i, 1).varint(F.Attribute.type, 2),
      ),
    );
    g.message(F.Graph.node, (n) => n.string(F.Node.input, 'flat').string(F.Node.input, 'W').string(F.Node.output, metadata.output.name).string(F.Node.name, 'project').string(F.Node.opType, 'MatMul'));
    g.message(F.Graph.initializer, (t) =>
      t.packedVarints(F.Tensor.dims, [inSize, D]).varint(F.Tensor.dataType, OnnxDataType.FLOAT).string(F.Tensor.name, 'W').bytes(F.Tensor.rawData, new Uint8Array(weights.buffer)),
    );
    g.message(F.Graph.input, (v) => valueInfo(v, metadata.input.name, options.inputDims ?? ['N', C, H, W]));
    g.message(F.Graph.output, (v) => valueInfo(v, metadata.output.name, options.outputDims ?? ['N', D]));
  });
  if (!options.noMetadata) {
    const json = options.metadataJson ?? JSON.stringify(metadata);
    w.message(F.Model.metadataProps, (e) => e.string(F.StringStringEntry.key, METADATA_KEY).string(F.StringStringEntry.value, json));
  }
  return w.finish();
}
