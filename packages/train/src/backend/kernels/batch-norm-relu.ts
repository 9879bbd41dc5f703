/**
 * Fused batch-norm (+ optional ReLU) kernels for wasm, used by the training graph's batch norm
 * (src/train/batch-norm-training.ts) when they are registered. Each is one JavaScript pass over the wasm heap;
 * composed from tfjs ops the same work takes about fifteen full-size ops and temporaries per layer.
 * Channels are the last axis: x is R rows of C values. Where C is a multiple of 4 the passes run as f32x4 SIMD
 * (../simd/kernels.wat, several times faster); the JavaScript loops cover every other C.
 *
 *  - SiameseCentredSquares: Σ_r (x − μ)² per channel (the variance numerator; the mean comes from Sum).
 *  - SiameseBatchNormForward: y = (x − μ)·a + β, then max(y, 0) when `relu`; a = γ/√(σ²+ε).
 *  - SiameseBatchNormGradSums: with g = dy (masked by y > 0 for ReLU) and x̂ = (x − μ)·inv: [Σg, Σg·x̂].
 *  - SiameseBatchNormGradInput: ∂x = a·(g − mg − x̂·mgx) for the whole-batch means mg, mgx.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './heap-arrays.js';
import { simdKernelsFor } from '../simd/simd-kernels.js';

export const CENTRED_SQUARES = 'SiameseCentredSquares';
export const BATCH_NORM_FORWARD = 'SiameseBatchNormForward';
export const BATCH_NORM_GRAD_SUMS = 'SiameseBatchNormGradSums';
export const BATCH_NORM_GRAD_INPUT = 'SiameseBatchNormGradInput';

type Args = { inputs: Record<string, TensorInfo>; attrs: NamedAttrMap; backend: BackendWasm };

function channelsOf(x: TensorInfo): [number, number] {
  const c = x.shape[x.shape.length - 1];
  return [x.shape.reduce((a, b) => a * b, 1) / c, c];
}

function centredSquares({ inputs, backend }: Args): TensorInfo {
  const [rows, c] = channelsOf(inputs.x);
  const out = backend.makeOutput([c], 'float32');
  const x = heapView(backend, inputs.x);
  const mean = heapView(backend, inputs.mean);
  const simd = simdKernelsFor(backend, c);
  if (simd != null) {
    const sums = simd.centredSquares(inputs.x, rows, c, Float32Array.from(mean));
    heapView(backend, out).set(sums);
    return out;
  }
  const acc = new Float64Array(c);
  const mu = Float64Array.from(mean);
  for (let r = 0, base = 0; r < rows; r++, base += c) {
    for (let k = 0; k < c; k++) {
      const d = x[base + k] - mu[k];
      acc[k] += d * d;
    }
  }
  heapView(backend, out).set(acc);
  return out;
}

function forward({ inputs, attrs, backend }: Args): TensorInfo {
  const [rows, c] = channelsOf(inputs.x);
  const out = backend.makeOutput(inputs.x.shape, 'float32');
  const x = heapView(backend, inputs.x);
  const y = heapView(backend, out);
  const mean = heapView(backend, inputs.mean);
  const scale = heapView(backend, inputs.scale);
  const offset = heapView(backend, inputs.offset);
  // y = x·a + b with b = β − μ·a.
  const a = Float32Array.from(scale);
  const b = new Float32Array(c);
  for (let k = 0; k < c; k++) b[k] = offset[k] - mean[k] * scale[k];
  const relu = attrs.relu === true;
  const simd = simdKernelsFor(backend, c);
  if (simd != null) {
    simd.batchNormForward(inputs.x, out, rows, c, a, b, relu);
    return out;
  }
  for (let r = 0, base = 0; r < rows; r++, base += c) {
    for (let k = 0; k < c; k++) {
      const v = x[base + k] * a[k] + b[k];
      y[base + k] = relu && v < 0 ? 0 : v;
    }
  }
  return out;
}

function gradSums({ inputs, attrs, backend }: Args): TensorInfo {
  const [rows, c] = channelsOf(inputs.x);
  const out = backend.makeOutput([2, c], 'float32');
  const dy = heapView(backend, inputs.dy);
  const x = heapView(backend, inputs.x);
  const y = heapView(backend, inputs.y);
  const mean = Float32Array.from(heapView(backend, inputs.mean));
  const inv = Float32Array.from(heapView(backend, inputs.inv));
  const relu = attrs.relu === true;
  const simd = simdKernelsFor(backend, c);
  if (simd != null) {
    // The kernel sums g·(x − μ); x̂ = (x − μ)·inv, so the second half is scaled by inv here.
    const sums = simd.batchNormGradSums(inputs.dy, inputs.x, inputs.y, rows, c, mean, relu);
    for (let k = 0; k < c; k++) sums[c + k] *= inv[k];
    heapView(backend, out).set(sums);
    return out;
  }
  const sumG = new Float64Array(c);
  const sumGX = new Float64Array(c);
  for (let r = 0, base = 0; r < rows; r++, base += c) {
    for (let k = 0; k < c; k++) {
      const i = base + k;
      if (relu && !(y[i] > 0)) continue;
      const g = dy[i];
      sumG[k] += g;
      sumGX[k] += g * (x[i] - mean[k]) * inv[k];
    }
  }
  const o = heapView(backend, out);
  o.set(sumG, 0);
  o.set(sumGX, c);
  return out;
}

function gradInput({ inputs, attrs, backend }: Args): TensorInfo {
  const [rows, c] = channelsOf(inputs.x);
  const out = backend.makeOutput(inputs.x.shape, 'float32');
  const dx = heapView(backend, out);
  const dy = heapView(backend, inputs.dy);
  const x = heapView(backend, inputs.x);
  const y = heapView(backend, inputs.y);
  const mean = Float32Array.from(heapView(backend, inputs.mean));
  const inv = Float32Array.from(heapView(backend, inputs.inv));
  const scale = Float32Array.from(heapView(backend, inputs.scale));
  const means = heapView(backend, inputs.means); // [2, C]: mg, mgx
  const mg = Float32Array.from(means.subarray(0, c));
  const mgx = Float32Array.from(means.subarray(c, 2 * c));
  const relu = attrs.relu === true;
  const simd = simdKernelsFor(backend, c);
  if (simd != null) {
    // a·(g − mg − (x − μ)·inv·mgx) = p·g + q·x + s, per channel.
    const p = scale;
    const q = new Float32Array(c);
    const s = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      q[k] = -scale[k] * inv[k] * mgx[k];
      s[k] = -scale[k] * mg[k] - q[k] * mean[k];
    }
    simd.batchNormGradInput(inputs.dy, inputs.x, inputs.y, out, rows, c, p, q, s, relu);
    return out;
  }
  for (let r = 0, base = 0; r < rows; r++, base += c) {
    for (let k = 0; k < c; k++) {
      const i = base + k;
      const g = relu && !(y[i] > 0) ? 0 : dy[i];
      const xHat = (x[i] - mean[k]) * inv[k];
      dx[i] = scale[k] * (g - mg[k] - xHat * mgx[k]);
    }
  }
  return out;
}

const config = (kernelName: string, f: (args: Args) => TensorInfo): KernelConfig => ({
  kernelName,
  backendName: 'wasm',
  kernelFunc: f as unknown as KernelFunc,
});

export const batchNormKernelConfigs: KernelConfig[] = [
  config(CENTRED_SQUARES, centredSquares),
  config(BATCH_NORM_FORWARD, forward),
  config(BATCH_NORM_GRAD_SUMS, gradSums),
  config(BATCH_NORM_GRAD_INPUT, gradInput),
];
