/**
 * The stepper's training-mode forward pass (layer-by-layer interpretation with a closed-form, ReLU-fused batch
 * norm) must equal tfjs-layers' own `model.apply(x, { training: true })` in value and gradient. Reference: the cpu
 * backend with tfjs' stock gradients. Ours: on cpu (batch norm composed from tfjs ops) and on wasm (our fused
 * single-pass batch-norm kernels and convolution-gradient kernels).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { buildEmbeddingNet } from '../../src/model/index.js';
import { LOCAL_COLLECTIVE } from '../../src/train/collective.js';
import { trainingForward } from '../../src/train/training-forward.js';
import { relativeDifference, seededValues } from '../backend/parity.js';

beforeAll(async () => {
  // Registers wasm with our kernels; the tests then switch between the two backends.
  await initBackend({ backend: 'wasm', kernels: 'ours' });
  await tf.setBackend('cpu');
});

describe('trainingForward', () => {
  const nets = [
    { inputSize: 28, width: 8 },
    { inputSize: 20, width: 6, depth: 3, embeddingSize: 10, channels: 3 as const },
    // Patch stems: a 4×4 conv at stride 2 (57 is odd: 'same' pads one pixel more at the end), a 6×6 at stride 3.
    { inputSize: 57, width: 6, stemStride: 2 },
    { inputSize: 42, width: 6, depth: 3, stemStride: 3 },
  ];
  for (const [backend, net] of nets.flatMap((n) => [['cpu', n], ['wasm', n]] as const)) {
    it(`${backend}: matches model.apply(x, {training: true}) and its gradients: ${JSON.stringify(net)}`, async () => {
      await tf.setBackend('cpu');
      const model = buildEmbeddingNet(net, 3);
      const channels = net.channels ?? 1;
      const shape: [number, number, number, number] = [6, net.inputSize, net.inputSize, channels];
      const x = tf.tensor4d(seededValues(shape.reduce((a, b) => a * b), 5).map((v) => Math.abs(v)), shape);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const d = model.outputs[0].shape[1] as number;
      const r = tf.tensor2d(seededValues(6 * d, 6), [6, d]);

      const stock = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar, variables);
      await tf.setBackend(backend);
      const ours = tf.variableGrads(() => tf.sum(tf.mul(trainingForward(model, x, LOCAL_COLLECTIVE, 6).embeddings, r)) as tf.Scalar, variables);

      expect(Math.abs(ours.value.dataSync()[0] - stock.value.dataSync()[0])).toBeLessThan(1e-4);
      for (const v of variables) {
        const diff = relativeDifference(ours.grads[v.name].dataSync() as Float32Array, stock.grads[v.name].dataSync() as Float32Array);
        expect(diff, v.name).toBeLessThanOrEqual(1e-4);
      }
      model.dispose();
    });
  }
});
