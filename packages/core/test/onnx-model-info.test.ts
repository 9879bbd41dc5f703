import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isSiameseError, type SiameseErrorCode } from '../src/errors.js';
import { METADATA_KEY, type ModelMetadata } from '../src/metadata.js';
import { readModelMetadata, readOnnxModelInfo, type OnnxDim } from '../src/onnx-model-info.js';
import { OnnxDataType, OnnxField as F } from '../src/onnx-schema.js';
import { ProtoWriter } from '../src/protobuf.js';
import { conv4Metadata } from './helpers.js';

const metadata: ModelMetadata = conv4Metadata();

function valueInfo(w: ProtoWriter, name: string, elemType: number, dims: OnnxDim[]): void {
  w.string(F.ValueInfo.name, name).message(F.ValueInfo.type, (t) =>
    t.message(F.Type.tensorType, (tt) =>
      tt.varint(F.TypeTensor.elemType, elemType).message(F.TypeTensor.shape, (s) => {
        for (const d of dims) {
          s.message(F.TensorShape.dim, (dim) => {
            if (typeof d === 'number') dim.varint(F.Dimension.dimValue, d);
            else if (typeof d === 'string') dim.string(F.Dimension.dimParam, d);
          });
        }
      }),
    ),
  );
}

interface ModelOptions {
  props?: Record<string, string>;
  inputDims?: OnnxDim[];
  outputDims?: OnnxDim[];
  inputType?: number;
  opset?: number | null;
  irVersion?: number | null;
  withGraph?: boolean;
}

/** A hand-built ModelProto: one Identity-free graph header with an initializer that older IRs list as an input. */
function buildModel(o: ModelOptions = {}): Uint8Array {
  const w = new ProtoWriter();
  if (o.irVersion !== null) w.varint(F.Model.irVersion, o.irVersion ?? 7);
  if (o.opset !== null) w.message(F.Model.opsetImport, (op) => op.string(F.OperatorSetId.domain, '').varint(F.OperatorSetId.version, o.opset ?? 13));
  w.string(F.Model.producerName, 'hand-built').string(F.Model.producerVersion, '1.2.3');
  w.varint(99, 42); // unknown field: skipped
  if (o.withGraph !== false) {
    w.message(F.Model.graph, (g) => {
      g.string(F.Graph.name, 'g');
      g.message(F.Graph.node, (n) => n.string(F.Node.input, 'input').string(F.Node.output, 'embedding').string(F.Node.opType, 'Flatten'));
      g.message(F.Graph.initializer, (t) =>
        t.packedVarints(F.Tensor.dims, [2]).varint(F.Tensor.dataType, OnnxDataType.FLOAT).string(F.Tensor.name, 'w').bytes(F.Tensor.rawData, new Uint8Array(8)),
      );
      g.message(F.Graph.input, (v) => valueInfo(v, 'input', o.inputType ?? OnnxDataType.FLOAT, o.inputDims ?? ['N', 1, 28, 28]));
      g.message(F.Graph.input, (v) => valueInfo(v, 'w', OnnxDataType.FLOAT, [2]));
      g.message(F.Graph.output, (v) => valueInfo(v, 'embedding', OnnxDataType.FLOAT, o.outputDims ?? ['N', 64]));
    });
  }
  for (const [key, value] of Object.entries(o.props ?? { [METADATA_KEY]: JSON.stringify(metadata), note: 'hello' })) {
    w.message(F.Model.metadataProps, (e) => e.string(F.StringStringEntry.key, key).string(F.StringStringEntry.value, value));
  }
  return w.finish();
}

function codeOf(fn: () => unknown): SiameseErrorCode | string {
  try {
    fn();
  } catch (e) {
    return isSiameseError(e) ? e.code : `non-siamese error: ${String(e)}`;
  }
  return 'no error';
}

describe('readOnnxModelInfo', () => {
  it('reads the header: IR, opsets, producer, inputs (initializers left out), outputs, metadata_props', () => {
    const info = readOnnxModelInfo(buildModel());
    expect(info.irVersion).toBe(7);
    expect(info.opsetImports).toEqual([{ domain: '', version: 13 }]);
    expect(info.producerName).toBe('hand-built');
    expect(info.producerVersion).toBe('1.2.3');
    expect(info.graphName).toBe('g');
    expect(info.inputs).toEqual([{ name: 'input', elemType: 1, elemTypeName: 'float32', dims: ['N', 1, 28, 28] }]);
    expect(info.outputs).toEqual([{ name: 'embedding', elemType: 1, elemTypeName: 'float32', dims: ['N', 64] }]);
    expect(info.metadataProps.note).toBe('hello');
    expect(JSON.parse(info.metadataProps[METADATA_KEY])).toEqual(metadata);
  });

  it('refuses bytes that are not ONNX with MODEL_INVALID', () => {
    expect(codeOf(() => readOnnxModelInfo(new Uint8Array()))).toBe('MODEL_INVALID');
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52);
    expect(codeOf(() => readOnnxModelInfo(png))).toBe('MODEL_INVALID');
    expect(codeOf(() => readOnnxModelInfo(new TextEncoder().encode('{"not":"onnx"}')))).toBe('MODEL_INVALID');
    expect(codeOf(() => readOnnxModelInfo(buildModel({ withGraph: false })))).toBe('MODEL_INVALID');
    expect(codeOf(() => readOnnxModelInfo(buildModel({ irVersion: null })))).toBe('MODEL_INVALID');
    expect(codeOf(() => readOnnxModelInfo(buildModel({ opset: null })))).toBe('MODEL_INVALID');
  });

  it('survives every truncation and random corruption of a valid model with typed errors only', () => {
    const good = buildModel();
    for (let n = 0; n < good.length; n++) {
      const code = codeOf(() => readModelMetadata(good.subarray(0, n)));
      expect(['MODEL_INVALID', 'MODEL_METADATA', 'MODEL_SHAPE', 'no error']).toContain(code);
    }
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed;
    };
    for (let trial = 0; trial < 3000; trial++) {
      const bad = good.slice();
      const flips = 1 + (rand() % 4);
      for (let k = 0; k < flips; k++) bad[rand() % bad.length] = rand() & 0xff;
      const code = codeOf(() => readModelMetadata(bad));
      expect(['MODEL_INVALID', 'MODEL_METADATA', 'MODEL_SHAPE', 'no error']).toContain(code);
    }
  });
});

describe('readModelMetadata', () => {
  it('returns the validated record', () => {
    expect(readModelMetadata(buildModel())).toEqual(metadata);
  });

  it('refuses a model without the record, or with an invalid one, with MODEL_METADATA', () => {
    expect(codeOf(() => readModelMetadata(buildModel({ props: {} })))).toBe('MODEL_METADATA');
    expect(codeOf(() => readModelMetadata(buildModel({ props: { [METADATA_KEY]: '{oops' } })))).toBe('MODEL_METADATA');
    const wrong = { ...metadata, calibration: { threshold: 'high' } };
    expect(codeOf(() => readModelMetadata(buildModel({ props: { [METADATA_KEY]: JSON.stringify(wrong) } })))).toBe('MODEL_METADATA');
  });

  it('refuses a graph that disagrees with the record with MODEL_SHAPE', () => {
    expect(codeOf(() => readModelMetadata(buildModel({ outputDims: ['N', 128] })))).toBe('MODEL_SHAPE');
    expect(codeOf(() => readModelMetadata(buildModel({ inputDims: ['N', 3, 28, 28] })))).toBe('MODEL_SHAPE');
    expect(codeOf(() => readModelMetadata(buildModel({ inputDims: ['N', 1, 32, 28] })))).toBe('MODEL_SHAPE');
    expect(codeOf(() => readModelMetadata(buildModel({ inputDims: ['N', 28, 28] })))).toBe('MODEL_SHAPE');
    expect(codeOf(() => readModelMetadata(buildModel({ inputType: OnnxDataType.UINT8 })))).toBe('MODEL_SHAPE');
    const renamed = { ...metadata, output: { ...metadata.output, name: 'features' } };
    expect(codeOf(() => readModelMetadata(buildModel({ props: { [METADATA_KEY]: JSON.stringify(renamed) } })))).toBe('MODEL_SHAPE');
    // Symbolic sizes where the record has fixed ones are compatible.
    expect(readModelMetadata(buildModel({ inputDims: [1, 1, 'H', 'W'], outputDims: [1, 'D'] })).name).toBe('test-model');
  });

  const fixture = fileURLToPath(new URL('../../../fixtures/models/conv4-untrained.onnx', import.meta.url));
  it.skipIf(!existsSync(fixture))('reads the exporter-written fixture model', () => {
    const bytes = new Uint8Array(readFileSync(fixture));
    const m = readModelMetadata(bytes);
    expect(m.name).toBe('conv4-untrained-fixture');
    expect(m.input).toMatchObject({ name: 'input', width: 28, height: 28, channels: 1 });
    const info = readOnnxModelInfo(bytes);
    expect(info.inputs[0].dims).toEqual(['N', 1, 28, 28]);
    expect(info.outputs[0].dims).toEqual(['N', m.output.size]);
    expect(info.producerName).toBe('@siamese-sdk/train');
  });
});
