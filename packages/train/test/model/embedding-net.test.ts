/** The embedding network's structure, seeding, configuration and the L2Normalize layer's serialisation. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { models, type LayersModel } from '@tensorflow/tfjs-layers';
import { isSiameseError } from '@siamese-sdk/core';
import { initBackend } from '../../src/backend/index.js';
import { blockWidths, buildEmbeddingNet, embeddingDimension, featureMapSize, resolveNetConfig, L2Normalize } from '../../src/model/index.js';

function embed(model: LayersModel, n: number, size: number, channels: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, size, size, channels], 0, 1, 'float32', 42);
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('buildEmbeddingNet', () => {
  it('defaults to Conv-4 on 28×28 grayscale: 4 conv/bn/relu/pool blocks, 64-d, ~112k parameters', () => {
    const model = buildEmbeddingNet();
    const classes = model.layers.map((l) => l.getClassName());
    expect(classes.filter((c) => c === 'Conv2D')).toHaveLength(4);
    expect(classes.filter((c) => c === 'BatchNormalization')).toHaveLength(4);
    expect(classes.filter((c) => c === 'MaxPooling2D')).toHaveLength(4);
    expect(classes.at(-1)).toBe('L2Normalize');
    expect(model.outputs[0].shape).toEqual([null, 64]);
    expect(model.countParams()).toBe(9 * 64 + 3 * 9 * 64 * 64 + 4 * 4 * 64);
    model.dispose();
  });

  it('outputs unit-length rows', () => {
    const model = buildEmbeddingNet({}, 1);
    const out = embed(model, 3, 28, 1);
    for (let r = 0; r < 3; r++) {
      let norm = 0;
      for (let k = 0; k < 64; k++) norm += out[r * 64 + k] ** 2;
      expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
    }
    model.dispose();
  });

  it('is seeded: the same seed gives the same weights, another seed different ones', () => {
    const a = buildEmbeddingNet({}, 7);
    const b = buildEmbeddingNet({}, 7);
    const c = buildEmbeddingNet({}, 8);
    const w = (m: LayersModel) => m.getWeights()[0].dataSync();
    expect(Array.from(w(a))).toEqual(Array.from(w(b)));
    expect(Array.from(w(a))).not.toEqual(Array.from(w(c)));
    // Different layers get different seeds (no repeated initial patterns).
    expect(Array.from(a.getWeights()[5].dataSync().slice(0, 50))).not.toEqual(Array.from(a.getWeights()[10].dataSync().slice(0, 50)));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('is configurable: width, depth, input size, RGB, a Dense projection, no normalisation', () => {
    const config = { inputSize: 32, channels: 3 as const, width: 16, depth: 3, embeddingSize: 24, l2Normalize: false };
    const model = buildEmbeddingNet(config, 3);
    expect(model.inputs[0].shape).toEqual([null, 32, 32, 3]);
    expect(model.outputs[0].shape).toEqual([null, 24]);
    expect(embeddingDimension(resolveNetConfig(config))).toBe(24);
    expect(model.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(3);
    expect(model.layers.some((l) => l.getClassName() === 'L2Normalize')).toBe(false);
    expect(model.layers.some((l) => l.getClassName() === 'Dense')).toBe(true);
    expect(embed(model, 2, 32, 3)).toHaveLength(48);
    model.dispose();
  });

  it('takes one filter count per block: [8, 8, 16, 32] gives convs of those widths and a 32-d output', () => {
    const config = { width: [8, 8, 16, 32], embeddingSize: 0 };
    const model = buildEmbeddingNet(config, 2);
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(convs.map((l) => l.getWeights()[0].shape)).toEqual([[3, 3, 1, 8], [3, 3, 8, 8], [3, 3, 8, 16], [3, 3, 16, 32]]);
    expect(model.outputs[0].shape).toEqual([null, 32]);
    expect(embeddingDimension(resolveNetConfig(config))).toBe(32);
    expect(blockWidths(resolveNetConfig({ width: 12, depth: 3 }))).toEqual([12, 12, 12]);
    // At 42×42 the last map is 2×2: the flattened output is 2·2·32.
    expect(embeddingDimension(resolveNetConfig({ ...config, inputSize: 42 }))).toBe(128);
    expect(embed(model, 2, 28, 1)).toHaveLength(64);
    model.dispose();
  });

  it('a patch stem (stemStride s): block 1 is a 2s×2s conv at stride s, the rest as without it', () => {
    const model = buildEmbeddingNet({ inputSize: 56, width: 8, stemStride: 2 }, 2);
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(convs.map((l) => l.getWeights()[0].shape)).toEqual([[4, 4, 1, 8], [3, 3, 8, 8], [3, 3, 8, 8], [3, 3, 8, 8]]);
    expect(convs.map((l) => (l.getConfig() as { strides: number[] }).strides)).toEqual([[2, 2], [1, 1], [1, 1], [1, 1]]);
    // 56 → 28 (stem) → 14 → 7 → 3 → 1: as a 28×28 net without a stem.
    expect(model.outputs[0].shape).toEqual([null, 8]);
    expect(embed(model, 2, 56, 1)).toHaveLength(16);
    model.dispose();
    // 'same' padding rounds up: 85 / 3 → 29 → 14 → 7 → 3 → 1; 84 / 3 → 28 → … → 1.
    expect(featureMapSize(resolveNetConfig({ inputSize: 85, stemStride: 3 }))).toBe(1);
    expect(featureMapSize(resolveNetConfig({ inputSize: 84, stemStride: 3, depth: 3 }))).toBe(3);
    expect(featureMapSize(resolveNetConfig({ inputSize: 28 }))).toBe(1);
  });

  it('rejects impossible configurations with INVALID_ARGUMENT', () => {
    for (const bad of [{ stemStride: 0 }, { stemStride: 1.5 }, { inputSize: 14, stemStride: 2 }, { width: 0 }, { depth: 1.5 }, { inputSize: 8, depth: 4 }, { channels: 2 as 1 }, { width: [8, 8, 16] }, { width: [8, 8, 0, 8] }, { width: [8, 8, 2.5, 8] }, { width: Object.assign(new Array<number>(4), { 0: 8, 2: 8, 3: 8 }) }]) {
      let error: unknown;
      try {
        buildEmbeddingNet(bad);
      } catch (e) {
        error = e;
      }
      expect(isSiameseError(error, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('L2Normalize layer', () => {
  it('serialises by className and loads back with the same outputs', async () => {
    const model = buildEmbeddingNet({ inputSize: 16, depth: 2, width: 8 }, 5);
    const json = model.toJSON(null, false) as { config: { layers: Array<{ class_name: string }> } };
    expect(json.config.layers.map((l) => l.class_name)).toContain('L2Normalize');
    const loaded = await models.modelFromJSON({ modelTopology: json as unknown as tf.io.ModelJSON['modelTopology'] });
    loaded.setWeights(model.getWeights());
    expect(loaded.layers.at(-1)).toBeInstanceOf(L2Normalize);
    const a = embed(model, 2, 16, 1);
    const b = embed(loaded, 2, 16, 1);
    expect(Array.from(b)).toEqual(Array.from(a));
    model.dispose();
    loaded.dispose();
  });

  it('maps an all-zero row to zeros with a finite gradient', () => {
    const layer = new L2Normalize();
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(layer.apply(x) as tf.Tensor))(tf.zeros([1, 4])).dataSync());
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    const y = tf.tidy(() => (layer.apply(tf.zeros([1, 4])) as tf.Tensor).dataSync());
    expect(Array.from(y)).toEqual([0, 0, 0, 0]);
  });
});
