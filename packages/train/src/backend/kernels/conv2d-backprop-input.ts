/**
 * Conv2DBackpropInput for wasm at stride 1, as one forward convolution (XNNPACK) instead of wasm's generic loop:
 * dx[n,i,j,ci] = Σ dy[n, i+top-kh, j+left-kw, co] · W[kh,kw,ci,co], i.e. a valid convolution of dy padded by
 * (fh-1-top, …) with the filter flipped in both spatial axes and its channel axes swapped ([fh,fw,Co,Ci]).
 * Other strides (and any padding that would be negative) fall back to the kernel wasm ships.
 */
import { backend_util, type Conv2DBackpropInputAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2d, disposeAll } from './wasm-kernel-call.js';
import { heapView } from './heap-arrays.js';

type Args = {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  attrs: Conv2DBackpropInputAttrs;
  backend: BackendWasm;
};

export function createConv2dBackpropInputWasm(fallback: KernelFunc | null): KernelFunc {
  const kernel = (args: Args): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { dy, filter } = inputs;
    const info = backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { filterHeight: fh, filterWidth: fw, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
    const { top, left } = info.padInfo;
    const padTop = fh - 1 - top;
    const padLeft = fw - 1 - left;
    const padBottom = h - ho + fh - 1 - padTop;
    const padRight = w - wo + fw - 1 - padLeft;
    const usable =
      attrs.dataFormat !== 'NCHW' &&
      filter.dtype === 'float32' &&
      dy.dtype === 'float32' &&
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      Math.min(padTop, padLeft, padBottom, padRight) >= 0;
    if (!usable) {
      if (fallback == null) throw new Error('Conv2DBackpropInput (wasm): unsupported configuration');
      return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const swapped = flippedSwappedFilter(backend, filter);
    // The padding goes to the convolution as its own (explicit) padding: no padded copy of dy. A 3×3 filter runs
    // as Winograd there (conv2d.ts), the rest as XNNPACK's direct convolution.
    const dx = conv2d(backend, dy, swapped, [1, 1], [1, 1], [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
    disposeAll(backend, swapped);
    return dx;
  };
  return kernel as unknown as KernelFunc;
}

/**
 * W[fh − 1 − kh, fw − 1 − kw, ci, co] as [fh, fw, Co, Ci]: one pass in JavaScript over the (small) filter, where
 * wasm's Reverse and Transpose kernels took ~2 ms per call.
 */
function flippedSwappedFilter(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [fh, fw, ci, co] = filter.shape;
  const out = backend.makeOutput([fh, fw, co, ci], 'float32');
  const [src, dst] = [heapView(backend, filter), heapView(backend, out)];
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      const from = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * ci * co;
      const to = (kh * fw + kw) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[from + i * co + o];
    }
  }
  return out;
}

export function conv2dBackpropInputConfig(fallback: KernelFunc | null): KernelConfig {
  return { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: createConv2dBackpropInputWasm(fallback) };
}
