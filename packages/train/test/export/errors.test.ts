/** What the exporter refuses, and that it says what, where and what to do — never a silently different graph. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { isSiameseError, type SiameseErrorCode } from '@siamese-sdk/core';
import { exportToOnnx, type ExportOptions } from '../../src/export/index.js';
import { testMetadata, useCpuBackend } from './helpers.js';

const L = tfl.layers;

function seq(inputShape: number[], ...layers: tfl.layers.Layer[]): LayersModel {
  const input = tfl.input({ shape: inputShape });
  let x: SymbolicTensor = input;
  for (const layer of layers) x = layer.apply(x) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

function exportError(model: LayersModel, options: Partial<ExportOptions> = {}): { code: SiameseErrorCode; message: string } {
  try {
    exportToOnnx(model, { metadata: testMetadata(1), ...options });
  } catch (e) {
    if (isSiameseError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('export succeeded but should have failed');
}

describe('exporter errors', () => {
  beforeAll(useCpuBackend);

  it('names an unsupported layer, its class and how to proceed', () => {
    const up = L.upSampling2d({ size: [2, 2], name: 'my_upsampling' });
    const e = exportError(seq([4, 4, 1], L.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }), up, L.flatten()));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('"my_upsampling"');
    expect(e.message).toContain('(UpSampling2D)');
    expect(e.message).toContain('no ONNX converter');
    expect(e.message).toMatch(/supported layers: .*Conv2D.*L2Normalize/);
    expect(e.message).toContain('registry.ts');
  });

  it('refuses other unsupported layer types the same way', () => {
    const cases: [tfl.layers.Layer, string][] = [
      [L.conv2dTranspose({ filters: 2, kernelSize: 3 }), 'Conv2DTranspose'],
      [L.layerNormalization({}), 'LayerNormalization'],
      [L.permute({ dims: [2, 1, 3] }), 'Permute'],
      [L.cropping2D({ cropping: 1 }), 'Cropping2D'],
    ];
    for (const [layer, className] of cases) {
      const e = exportError(seq([6, 6, 1], layer, L.flatten()));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain(`(${className})`);
    }
  });

  it('refuses an activation it cannot reproduce, naming it and the supported ones', () => {
    const e = exportError(seq([4, 4, 1], L.flatten(), L.dense({ units: 3, activation: 'logSoftmax' as 'relu', name: 'head' })));
    expect(e.message).toContain('"head" (Dense)');
    expect(e.message).toContain('activation "logSoftmax"');
    expect(e.message).toContain('relu');
  });

  it('refuses a batch norm over a non-channel axis (tfjs computes it by flat index)', () => {
    const e = exportError(seq([4, 4, 1], L.batchNormalization({ axis: 1, name: 'bn_rows' }), L.flatten()));
    expect(e.message).toContain('"bn_rows" (BatchNormalization)');
    expect(e.message).toContain('use axis -1');
  });

  it('refuses a layer called with training: true', () => {
    const input = tfl.input({ shape: [4, 4, 1] });
    const y = L.dropout({ rate: 0.5, name: 'always_on' }).apply(L.flatten().apply(input), { training: true }) as SymbolicTensor;
    const e = exportError(tfl.model({ inputs: input, outputs: y }));
    expect(e.message).toContain('"always_on" (Dropout)');
    expect(e.message).toContain('training: true');
  });

  it('refuses models that are not image → [N, D] embedders', () => {
    expect(exportError(seq([4, 4, 1], L.conv2d({ filters: 2, kernelSize: 3 }))).message).toMatch(/\[null, D\].*Flatten/);
    expect(exportError(seq([4, 4, 2], L.flatten())).message).toContain('1 (grayscale) or 3 (RGB) channels');
    const a = tfl.input({ shape: [4, 4, 1] });
    const b = tfl.input({ shape: [4, 4, 1] });
    const two = tfl.model({ inputs: [a, b], outputs: L.add().apply([L.flatten().apply(a) as SymbolicTensor, L.flatten().apply(b) as SymbolicTensor]) as SymbolicTensor });
    expect(exportError(two).message).toContain('one input');
    expect(exportError(seq([16], L.dense({ units: 2 }))).message).toContain('[null, H, W, C]');
  });

  it('refuses bad options: dtype, opset, metadata', () => {
    const ok = seq([4, 4, 1], L.flatten());
    expect(exportError(ok, { dtype: 'int4' as 'int8' }).message).toContain('dtype');
    expect(exportError(ok, { opset: 12 }).message).toContain('opset');
    expect(exportError(ok, { opset: 22 }).message).toContain('opset');
    const badStd = { ...testMetadata(1), preprocess: { ...testMetadata(1).preprocess, std: [0] } };
    expect(exportError(ok, { metadata: badStd }).code).toBe('MODEL_METADATA');
    const wrongChannels = testMetadata(3);
    expect(exportError(ok, { metadata: wrongChannels }).code).toBe('MODEL_METADATA');
  });
});
