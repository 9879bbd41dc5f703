/**
 * The embedding network: `depth` × [3×3 conv (`width` filters, or `width[b]` in block b; 'same'; block 1 optionally a
 * strided patch stem, see NetConfig.stemStride), batch norm, ReLU, 2×2 max-pool] →
 * Flatten → optional Dense(embeddingSize) → L2Normalize. Conv-4 (Vinyals et al. 2016; Snell et al. 2017) with
 * the defaults. A plain tfjs LayersModel of standard layers (plus our registered L2Normalize), so it saves,
 * loads and exports like any other.
 */
import { initializers, input, layers, model as functionalModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { SiameseError } from '@siamese-sdk/core';
import { DEFAULT_NET_CONFIG, type NetConfig } from './net-config.js';
import { L2Normalize } from './l2-normalize.js';

/**
 * Batch-norm momentum of the moving statistics (Keras convention: moving = m·moving + (1-m)·batch). 0.9 (PyTorch's
 * 0.1) rather than Keras' 0.99 so that short runs already evaluate with statistics close to the data's.
 */
export const BATCH_NORM_MOMENTUM = 0.9;
export const BATCH_NORM_EPSILON = 1e-5;

export function resolveNetConfig(config: Partial<NetConfig> = {}): NetConfig {
  const net: NetConfig = { ...DEFAULT_NET_CONFIG, ...config };
  const positiveInt = (name: keyof NetConfig, min: number): void => {
    const v = net[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new SiameseError('INVALID_ARGUMENT', `net.${name} must be an integer ≥ ${min}, got ${String(v)}`, { [name]: v });
    }
  };
  positiveInt('inputSize', 1);
  positiveInt('depth', 1);
  positiveInt('stemStride', 1);
  if (Array.isArray(net.width)) {
    const widths: readonly unknown[] = net.width;
    // An index loop, not every(): every() skips the holes of a sparse array ([64, , 128, 256]).
    let valid = widths.length === net.depth;
    for (let i = 0; i < widths.length && valid; i++) valid = typeof widths[i] === 'number' && Number.isInteger(widths[i]) && (widths[i] as number) >= 1;
    if (!valid) {
      throw new SiameseError('INVALID_ARGUMENT', `net.width must be an integer ≥ 1 or a list of ${net.depth} of them (one per block), got [${widths.join(', ')}]`, { width: widths });
    }
  } else {
    positiveInt('width', 1);
  }
  positiveInt('embeddingSize', 0);
  if (net.channels !== 1 && net.channels !== 3) {
    throw new SiameseError('INVALID_ARGUMENT', `net.channels must be 1 or 3, got ${String(net.channels)}`, { channels: net.channels });
  }
  if (flattenedSize(net) === 0) {
    throw new SiameseError(
      'INVALID_ARGUMENT',
      `net.inputSize ${net.inputSize} is too small for ${(net.stemStride ?? 1) > 1 ? `a stride-${net.stemStride} stem and ` : ''}${net.depth} pooling blocks (each halves the size)`,
      { inputSize: net.inputSize, depth: net.depth, stemStride: net.stemStride },
    );
  }
  return net;
}

/** Filters of each conv block, first to last. */
export function blockWidths(net: NetConfig): number[] {
  return typeof net.width === 'number' ? new Array<number>(net.depth).fill(net.width) : [...net.width];
}

/**
 * Whether two configurations agree on one network option, by what it builds: `width: 16` and `[16, 16, 16, 16]`
 * agree, and an absent option (a run recorded before it existed) is its default.
 */
export function sameNetOption(key: keyof NetConfig, a: Partial<NetConfig>, b: Partial<NetConfig>): boolean {
  const [x, y] = [a[key] ?? DEFAULT_NET_CONFIG[key], b[key] ?? DEFAULT_NET_CONFIG[key]];
  if (key === 'width' && (Array.isArray(x) || Array.isArray(y))) {
    const blocks = Array.isArray(x) ? x.length : (y as readonly number[]).length;
    const expand = (w: unknown): string => (Array.isArray(w) ? w : new Array<unknown>(blocks).fill(w)).join();
    return expand(x) === expand(y);
  }
  return JSON.stringify(x) === JSON.stringify(y);
}

/** Kernel side and stride of block b's convolution (b from 1): 3 and 1, except a patch stem's 2s and s in block 1. */
export function blockConvGeometry(net: NetConfig, block: number): { kernelSize: number; stride: number } {
  const s = block === 1 ? (net.stemStride ?? 1) : 1;
  return s > 1 ? { kernelSize: 2 * s, stride: s } : { kernelSize: 3, stride: 1 };
}

/** Spatial side after the stem ('same' padding: ⌈input / s⌉) and `depth` 2×2 'valid' max-pools (each floors it). */
export function featureMapSize(net: NetConfig): number {
  let size = Math.ceil(net.inputSize / (net.stemStride ?? 1));
  for (let i = 0; i < net.depth; i++) size = Math.floor(size / 2);
  return size;
}

export function flattenedSize(net: NetConfig): number {
  const side = featureMapSize(net);
  return side * side * blockWidths(net)[net.depth - 1];
}

/** Output dimension D of the network. */
export function embeddingDimension(net: NetConfig): number {
  const flat = flattenedSize(net);
  return net.embeddingSize > 0 ? net.embeddingSize : flat;
}

/** Builds the network with weights initialised from `seed` (the same seed gives the same weights). */
export function buildEmbeddingNet(config: Partial<NetConfig> = {}, seed = 0): LayersModel {
  const net = resolveNetConfig(config);
  // Each layer gets its own derived seed, so layers do not share initial weight patterns.
  let seedCounter = Math.floor(seed) * 1000;
  const nextSeed = (): number => ++seedCounter;

  const inputTensor = input({ shape: [net.inputSize, net.inputSize, net.channels], name: 'image' });
  let x = inputTensor;
  const widths = blockWidths(net);
  for (let b = 1; b <= net.depth; b++) {
    const { kernelSize, stride } = blockConvGeometry(net, b);
    x = layers
      .conv2d({
        name: `block${b}_conv`,
        filters: widths[b - 1],
        kernelSize,
        strides: stride,
        padding: 'same',
        // Batch norm follows and cancels a bias exactly; leaving it out saves work in every step.
        useBias: false,
        kernelInitializer: initializers.heNormal({ seed: nextSeed() }),
      })
      .apply(x) as typeof x;
    x = layers
      .batchNormalization({ name: `block${b}_bn`, axis: -1, momentum: BATCH_NORM_MOMENTUM, epsilon: BATCH_NORM_EPSILON })
      .apply(x) as typeof x;
    x = layers.reLU({ name: `block${b}_relu` }).apply(x) as typeof x;
    x = layers.maxPooling2d({ name: `block${b}_pool`, poolSize: 2, strides: 2, padding: 'valid' }).apply(x) as typeof x;
  }
  x = layers.flatten({ name: 'flatten' }).apply(x) as typeof x;
  if (net.embeddingSize > 0 && net.embeddingSize !== flattenedSize(net)) {
    x = layers
      .dense({
        name: 'embedding',
        units: net.embeddingSize,
        kernelInitializer: initializers.glorotUniform({ seed: nextSeed() }),
      })
      .apply(x) as typeof x;
  }
  if (net.l2Normalize) x = new L2Normalize({ name: 'l2_normalize' }).apply(x) as typeof x;
  return functionalModel({ inputs: inputTensor, outputs: x, name: 'embedding_net' });
}

/** Names of the layers' weights that identify them across models and processes (without tfjs' `_1` suffixes). */
export function weightNames(model: LayersModel): string[] {
  return model.weights.map((w) => w.originalName);
}

