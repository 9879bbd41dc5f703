/**
 * The Node SDK must compute exactly what the shared core specifies: decode → core preprocessImage → the ONNX graph
 * → L2 normalisation. Checked here against a direct onnxruntime-node session fed by the core's functions.
 */
import { readFileSync } from 'node:fs';
import { Jimp } from 'jimp';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l2Normalize, preprocessImage, readModelMetadata } from '@siamese-sdk/core';
import { type SiameseModel, closeDecodePool, loadModel } from '../src/index.js';
import { characterImages, mechanicsModel } from './helpers.js';

let model: SiameseModel;
let session: ort.InferenceSession;
let bytes: Uint8Array;

beforeAll(async () => {
  const source = mechanicsModel();
  bytes = typeof source === 'string' ? readFileSync(source) : source;
  model = await loadModel(bytes, { device: 'cpu' });
  session = await ort.InferenceSession.create(bytes);
});
afterAll(async () => {
  await model.dispose();
  await session.release();
  await closeDecodePool();
});

describe('node SDK = core preprocessing + raw onnxruntime', () => {
  it('embeddings of files (inline and pooled) equal a hand-wired core + onnxruntime pipeline', async () => {
    const metadata = readModelMetadata(bytes);
    expect(model.metadata).toEqual(metadata);
    const files = [...characterImages('Tengwar', 5, 4), ...characterImages('Manipuri', 11, 4)];
    const { channels: C, height: H, width: W } = metadata.input;
    const batch = new Float32Array(files.length * C * H * W);
    for (const [i, f] of files.entries()) {
      const { data, width, height } = (await Jimp.read(f)).bitmap;
      preprocessImage({ data: new Uint8Array(data), width, height, channels: 4 }, metadata, { out: batch, offset: i * C * H * W });
    }
    const out = await session.run({ [metadata.input.name]: new ort.Tensor('float32', batch, [files.length, C, H, W]) });
    const raw = out[metadata.output.name].data as Float32Array;
    const D = metadata.output.size;
    const expected = files.map((_, i) => l2Normalize(raw.slice(i * D, (i + 1) * D)));
    const pooled = await model.embed(files);
    const inline = await Promise.all(files.map((f) => model.embed(f)));
    for (let i = 0; i < files.length; i++) {
      for (let d = 0; d < D; d++) {
        expect(pooled[i][d]).toBeCloseTo(expected[i][d], 5);
        expect(inline[i][d]).toBeCloseTo(expected[i][d], 5);
      }
    }
  });
});
