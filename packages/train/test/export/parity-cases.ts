/**
 * Small seeded models covering every layer type the exporter supports, with several shapes, strides, paddings
 * and options each. Every model ends in [N, D] (Flatten where needed, which also checks NHWC element order).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { L2Normalize, buildEmbeddingNet } from '../../src/model/index.js';
import { SUPPORTED_ACTIVATIONS } from '../../src/export/index.js';

export interface ParityCase {
  /** The layer type the case is about (for the per-type summary). */
  layer: string;
  name: string;
  build: () => LayersModel;
}

type Sym = SymbolicTensor;
const L = tfl.layers;

/** input → layers... → Flatten (when the output is still an image) */
function seq(inputShape: number[], ...layers: tfl.layers.Layer[]): LayersModel {
  const input = tfl.input({ shape: inputShape });
  let x: Sym = input;
  for (const layer of layers) x = layer.apply(x) as Sym;
  if (x.shape.length > 2) x = L.flatten().apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: x });
}

/** Two conv branches of the same input merged by `merge`. */
function branches(inputShape: number[], merge: (a: Sym, b: Sym) => Sym, filters: [number, number] = [4, 4]): LayersModel {
  const input = tfl.input({ shape: inputShape });
  const a = L.conv2d({ filters: filters[0], kernelSize: 3, padding: 'same' }).apply(input) as Sym;
  const b = L.conv2d({ filters: filters[1], kernelSize: 1, activation: 'tanh' }).apply(input) as Sym;
  let x = merge(a, b);
  if (x.shape.length > 2) x = L.flatten().apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: x });
}

export const PARITY_CASES: ParityCase[] = [
  // Conv2D
  { layer: 'Conv2D', name: '3×3 stride 1 same', build: () => seq([8, 8, 1], L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' })) },
  { layer: 'Conv2D', name: '3×3 stride 2 same, odd 7×9 input (pad at the end)', build: () => seq([7, 9, 3], L.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same' })) },
  { layer: 'Conv2D', name: '4×4 stride 2 same, even input (asymmetric pads)', build: () => seq([10, 10, 1], L.conv2d({ filters: 3, kernelSize: 4, strides: 2, padding: 'same' })) },
  { layer: 'Conv2D', name: '5×3 strides [2,1] valid, relu', build: () => seq([11, 9, 3], L.conv2d({ filters: 6, kernelSize: [5, 3], strides: [2, 1], padding: 'valid', activation: 'relu' })) },
  { layer: 'Conv2D', name: '3×3 dilation 2 same, no bias', build: () => seq([9, 9, 1], L.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false })) },
  { layer: 'Conv2D', name: '2×2 stride 3 same, sigmoid', build: () => seq([8, 7, 1], L.conv2d({ filters: 2, kernelSize: 2, strides: 3, padding: 'same', activation: 'sigmoid' })) },
  // DepthwiseConv2D
  { layer: 'DepthwiseConv2D', name: '3×3 multiplier 2 same', build: () => seq([8, 8, 3], L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' })) },
  { layer: 'DepthwiseConv2D', name: '3×3 stride 2 same, odd input, relu6', build: () => seq([9, 7, 3], L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' })) },
  { layer: 'DepthwiseConv2D', name: '3×3 "dilation 2" valid, no bias (tfjs ignores the dilation; so must we)', build: () => seq([10, 10, 1], L.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'valid', useBias: false, depthMultiplier: 3 })) },
  // SeparableConv2D
  { layer: 'SeparableConv2D', name: '3×3 same, 5 filters', build: () => seq([8, 8, 3], L.separableConv2d({ filters: 5, kernelSize: 3, padding: 'same' })) },
  { layer: 'SeparableConv2D', name: '3×3 dilation 2 same', build: () => seq([9, 9, 3], L.separableConv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' })) },
  { layer: 'SeparableConv2D', name: '3×3 stride 2 valid, multiplier 2, relu', build: () => seq([9, 9, 1], L.separableConv2d({ filters: 4, kernelSize: 3, strides: 2, depthMultiplier: 2, activation: 'relu' })) },
  // BatchNormalization
  { layer: 'BatchNormalization', name: 'after a linear conv (folded)', build: () => seq([8, 8, 1], L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }), L.batchNormalization({ epsilon: 1e-5 })) },
  { layer: 'BatchNormalization', name: 'after a conv with bias (folded)', build: () => seq([8, 8, 3], L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), L.batchNormalization({})) },
  { layer: 'BatchNormalization', name: 'after a relu conv (a node)', build: () => seq([8, 8, 1], L.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), L.batchNormalization({ epsilon: 0.01 })) },
  { layer: 'BatchNormalization', name: 'on the input image', build: () => seq([6, 6, 3], L.batchNormalization({})) },
  { layer: 'BatchNormalization', name: 'after Dense (folded into Gemm)', build: () => seq([6, 6, 1], L.flatten(), L.dense({ units: 7 }), L.batchNormalization({})) },
  { layer: 'BatchNormalization', name: 'no center, no scale', build: () => seq([6, 6, 3], L.conv2d({ filters: 3, kernelSize: 3, activation: 'elu' }), L.batchNormalization({ center: false, scale: false })) },
  { layer: 'BatchNormalization', name: 'on a rank-3 value (x·s + t)', build: () => seq([4, 5, 1], L.conv2d({ filters: 3, kernelSize: 1 }), L.reshape({ targetShape: [20, 3] }), L.batchNormalization({})) },
  // Activations
  ...SUPPORTED_ACTIVATIONS.map((activation) => ({
    layer: 'Activation',
    name: activation,
    build: () => seq([6, 6, 3], L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), L.activation({ activation: activation as 'relu' })),
  })),
  { layer: 'Activation', name: 'softmax on [N, D]', build: () => seq([4, 4, 1], L.flatten(), L.dense({ units: 5, activation: 'softmax' })) },
  { layer: 'ReLU', name: 'plain', build: () => seq([6, 6, 1], L.conv2d({ filters: 3, kernelSize: 3 }), L.reLU()) },
  { layer: 'ReLU', name: 'maxValue 0.3', build: () => seq([6, 6, 1], L.conv2d({ filters: 3, kernelSize: 3 }), L.reLU({ maxValue: 0.3 })) },
  { layer: 'LeakyReLU', name: 'alpha 0.1', build: () => seq([6, 6, 1], L.conv2d({ filters: 3, kernelSize: 3 }), L.leakyReLU({ alpha: 0.1 })) },
  { layer: 'LeakyReLU', name: 'default alpha', build: () => seq([6, 6, 1], L.flatten(), L.dense({ units: 4 }), L.leakyReLU()) },
  { layer: 'ELU', name: 'default', build: () => seq([6, 6, 1], L.conv2d({ filters: 3, kernelSize: 3 }), L.elu()) },
  { layer: 'Softmax', name: 'axis -1 on an image (channels)', build: () => seq([5, 5, 1], L.conv2d({ filters: 4, kernelSize: 3 }), L.softmax({ axis: -1 })) },
  { layer: 'Softmax', name: 'default axis (1) on [N, D]', build: () => seq([4, 4, 1], L.flatten(), L.dense({ units: 6 }), L.softmax()) },
  // Pooling
  { layer: 'MaxPooling2D', name: '2×2 stride 2 valid', build: () => seq([8, 8, 3], L.maxPooling2d({ poolSize: 2 })) },
  { layer: 'MaxPooling2D', name: '2×2 stride 2 valid, odd input (floors)', build: () => seq([9, 7, 3], L.maxPooling2d({ poolSize: 2, strides: 2 })) },
  { layer: 'MaxPooling2D', name: '3×3 stride 2 same, odd input', build: () => seq([9, 7, 1], L.conv2d({ filters: 2, kernelSize: 1 }), L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })) },
  { layer: 'MaxPooling2D', name: '2×2 stride 1 same', build: () => seq([6, 6, 1], L.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' })) },
  { layer: 'AveragePooling2D', name: '2×2 stride 2 valid', build: () => seq([8, 8, 3], L.averagePooling2d({ poolSize: 2 })) },
  { layer: 'AveragePooling2D', name: '3×3 stride 2 same, odd input (padding excluded)', build: () => seq([9, 7, 1], L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })) },
  { layer: 'AveragePooling2D', name: '3×3 stride 1 same', build: () => seq([5, 6, 3], L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' })) },
  { layer: 'GlobalAveragePooling2D', name: 'after a conv', build: () => seq([7, 7, 1], L.conv2d({ filters: 5, kernelSize: 3 }), L.globalAveragePooling2d({})) },
  { layer: 'GlobalMaxPooling2D', name: 'after a conv', build: () => seq([7, 7, 3], L.conv2d({ filters: 5, kernelSize: 3 }), L.globalMaxPooling2d({})) },
  // Flatten, Reshape
  { layer: 'Flatten', name: 'of a 3×5×4 map (NHWC order)', build: () => seq([6, 10, 1], L.conv2d({ filters: 4, kernelSize: 2, strides: 2 }), L.flatten()) },
  { layer: 'Flatten', name: 'of a 1×1 map', build: () => seq([4, 4, 1], L.conv2d({ filters: 6, kernelSize: 4 }), L.flatten()) },
  { layer: 'Reshape', name: 'image → [H·W, C] → Dense → Flatten', build: () => seq([4, 5, 3], L.conv2d({ filters: 4, kernelSize: 1 }), L.reshape({ targetShape: [20, 4] }), L.dense({ units: 3 }), L.flatten()) },
  { layer: 'Reshape', name: '[N, D] → image → conv', build: () => seq([4, 4, 1], L.flatten(), L.dense({ units: 18 }), L.reshape({ targetShape: [3, 3, 2] }), L.conv2d({ filters: 2, kernelSize: 2 })) },
  // Dense
  { layer: 'Dense', name: 'on [N, D], tanh', build: () => seq([5, 5, 1], L.flatten(), L.dense({ units: 8, activation: 'tanh' })) },
  { layer: 'Dense', name: 'on [N, D], no bias', build: () => seq([5, 5, 3], L.flatten(), L.dense({ units: 6, useBias: false })) },
  { layer: 'Dense', name: 'on an image (channels axis)', build: () => seq([4, 3, 3], L.dense({ units: 5, activation: 'relu' })) },
  // Identity at inference
  { layer: 'Dropout', name: 'rate 0.5', build: () => seq([5, 5, 1], L.conv2d({ filters: 2, kernelSize: 3 }), L.dropout({ rate: 0.5 })) },
  { layer: 'Dropout', name: 'GaussianNoise, GaussianDropout, AlphaDropout', build: () => seq([4, 4, 1], L.flatten(), L.dense({ units: 6 }), L.gaussianNoise({ stddev: 1 }), L.gaussianDropout({ rate: 0.3 }), L.alphaDropout({ rate: 0.2 })) },
  // Merges
  { layer: 'Add', name: 'two conv branches', build: () => branches([6, 6, 1], (a, b) => L.add().apply([a, b]) as Sym) },
  { layer: 'Add', name: 'three inputs on [N, D]', build: () => {
    const input = tfl.input({ shape: [4, 4, 1] });
    const f = L.flatten().apply(input) as Sym;
    const ds = [1, 2, 3].map(() => L.dense({ units: 5 }).apply(f) as Sym);
    return tfl.model({ inputs: input, outputs: L.add().apply(ds) as Sym });
  } },
  { layer: 'Multiply', name: 'two conv branches', build: () => branches([6, 6, 1], (a, b) => L.multiply().apply([a, b]) as Sym) },
  { layer: 'Average', name: 'two conv branches', build: () => branches([6, 6, 1], (a, b) => L.average().apply([a, b]) as Sym) },
  { layer: 'Maximum', name: 'two conv branches', build: () => branches([6, 6, 1], (a, b) => L.maximum().apply([a, b]) as Sym) },
  { layer: 'Minimum', name: 'two conv branches', build: () => branches([6, 6, 1], (a, b) => L.minimum().apply([a, b]) as Sym) },
  { layer: 'Concatenate', name: 'channels of two conv branches', build: () => branches([6, 6, 3], (a, b) => L.concatenate().apply([a, b]) as Sym, [3, 5]) },
  { layer: 'Concatenate', name: 'axis 1 (rows) of two conv branches', build: () => branches([6, 6, 1], (a, b) => L.concatenate({ axis: 1 }).apply([a, b]) as Sym) },
  { layer: 'Concatenate', name: 'flattened branches on [N, D]', build: () => branches([5, 5, 1], (a, b) => L.concatenate().apply([L.flatten().apply(a) as Sym, L.flatten().apply(b) as Sym]) as Sym) },
  // ZeroPadding2D
  { layer: 'ZeroPadding2D', name: 'default 1 pixel', build: () => seq([5, 5, 1], L.zeroPadding2d({}), L.conv2d({ filters: 2, kernelSize: 3 })) },
  { layer: 'ZeroPadding2D', name: 'asymmetric [[1, 2], [0, 3]]', build: () => seq([5, 4, 3], L.zeroPadding2d({ padding: [[1, 2], [0, 3]] })) },
  // L2Normalize (ours)
  { layer: 'L2Normalize', name: 'on [N, D]', build: () => seq([6, 6, 1], L.flatten(), L.dense({ units: 16 }), new L2Normalize({})) },
  { layer: 'L2Normalize', name: 'on an image (channels axis), then Flatten', build: () => seq([5, 5, 1], L.conv2d({ filters: 4, kernelSize: 3 }), new L2Normalize({ epsilon: 1e-6 })) },
  // Nested models
  { layer: 'Sequential (nested)', name: 'a Sequential used as a layer', build: () => {
    const inner = tfl.sequential({ layers: [L.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, activation: 'relu' }), L.maxPooling2d({ poolSize: 2 })] });
    const input = tfl.input({ shape: [6, 6, 1] });
    const y = L.flatten().apply(inner.apply(input) as Sym) as Sym;
    return tfl.model({ inputs: input, outputs: y });
  } },
  // The real network
  { layer: 'Conv-4 (buildEmbeddingNet)', name: '28×28 gray, 64-d, L2', build: () => buildEmbeddingNet({}, 3) },
  { layer: 'Conv-4 (buildEmbeddingNet)', name: '32×32 RGB, width 16, depth 3, Dense 24, L2', build: () => buildEmbeddingNet({ inputSize: 32, channels: 3, width: 16, depth: 3, embeddingSize: 24 }, 4) },
  { layer: 'Conv-4 (buildEmbeddingNet)', name: '42×42 gray, widths 8/8/16/32 (2×2×32 = 128-d), L2', build: () => buildEmbeddingNet({ inputSize: 42, width: [8, 8, 16, 32] }, 5) },
  { layer: 'Conv-4 (buildEmbeddingNet)', name: '56×56 gray, stem stride 2 (4×4 conv), width 8, L2', build: () => buildEmbeddingNet({ inputSize: 56, width: 8, stemStride: 2 }, 6) },
  { layer: 'Conv-4 (buildEmbeddingNet)', name: '85×85 gray, stem stride 3 (6×6 conv, odd padding), width 8, L2', build: () => buildEmbeddingNet({ inputSize: 85, width: 8, stemStride: 3 }, 7) },
];
