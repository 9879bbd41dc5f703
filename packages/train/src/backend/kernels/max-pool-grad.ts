/**
 * MaxPoolGrad for wasm in JavaScript: wasm's own kernel takes longer than the forward convolution of the same
 * layer (a generic loop with poor locality). This one walks each output window once in NHWC order, finds the
 * first maximum (the same tie-breaking as tfjs' cpu kernel: the first position in row-major window order whose
 * value is strictly greater than all before it — which matters after ReLU, where whole windows are 0) and adds
 * dy there. Any filter size, stride and padding; dilation 1 (MaxPool has no dilation).
 */
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './heap-arrays.js';
import { simdKernelsFor } from '../simd/simd-kernels.js';

type MaxPoolGradArgs = {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  attrs: {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  backend: BackendWasm;
};

export function maxPoolGradWasm(args: MaxPoolGradArgs): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { dy, input } = inputs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = backend.makeOutput(input.shape, 'float32');
  const dxv = heapView(backend, dx);
  dxv.fill(0);
  const xv = heapView(backend, input);
  const dyv = heapView(backend, dy);
  const rowStride = w * c;
  const imageStride = h * rowStride;
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && ho * 2 <= h && wo * 2 <= w) {
    const simd = simdKernelsFor(backend, c);
    if (simd != null) {
      simd.maxPool2x2Grad(input, dy, dx, n, h, w, c, ho, wo);
      return dx;
    }
    maxPool2x2Grad(xv, dyv, dxv, n, h, w, c, ho, wo);
    return dx;
  }
  let dyIndex = 0;
  for (let b = 0; b < n; b++) {
    const imageBase = b * imageStride;
    for (let oy = 0; oy < ho; oy++) {
      const y0 = oy * sh - top;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(h, y0 + fh);
      for (let ox = 0; ox < wo; ox++) {
        const x0 = ox * sw - left;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(w, x0 + fw);
        for (let ch = 0; ch < c; ch++, dyIndex++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestIndex = -1;
          for (let y = yStart; y < yEnd; y++) {
            let index = imageBase + y * rowStride + xStart * c + ch;
            for (let x = xStart; x < xEnd; x++, index += c) {
              const v = xv[index];
              if (v > best) {
                best = v;
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) dxv[bestIndex] += dyv[dyIndex];
        }
      }
    }
  }
  return dx;
}

/** The Conv-4 case (2×2 windows, stride 2, no padding) without the generic window loops. */
function maxPool2x2Grad(
  xv: Float32Array,
  dyv: Float32Array,
  dxv: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  ho: number,
  wo: number,
): void {
  const rowStride = w * c;
  let dyIndex = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      let i00 = b * h * rowStride + 2 * oy * rowStride;
      for (let ox = 0; ox < wo; ox++, i00 += c) {
        for (let ch = 0; ch < c; ch++, dyIndex++, i00++) {
          // Window positions in row-major order; strictly greater keeps the first maximum.
          let best = i00;
          let v = xv[i00];
          const i01 = i00 + c;
          const i10 = i00 + rowStride;
          const i11 = i10 + c;
          if (xv[i01] > v) {
            v = xv[i01];
            best = i01;
          }
          if (xv[i10] > v) {
            v = xv[i10];
            best = i10;
          }
          if (xv[i11] > v) best = i11;
          dxv[best] += dyv[dyIndex];
        }
      }
    }
  }
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as KernelFunc,
};
