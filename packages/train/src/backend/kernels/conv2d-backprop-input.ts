/**
 * Conv2DBackpropInput for wasm at stride 1, as one forward convolution (XNNPACK) instead of wasm's generic loop:
 * dx[n,i,j,ci] = Σ dy[n, i+top-kh, j+left-kw, co] · W[kh,kw,ci,co], i.e. a valid convolution of dy padded by
 * (fh-1-top, …) with the filter flipped in both spatial axes and its channel axes swapped ([fh,fw,Co,Ci]).
 * Other strides (and any padding that would be negative) fall back to the kernel wasm ships.
 */
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasmKernel, conv2d, disposeAll, transpose } from './wasm-kernel-call.js';

interface Conv2DBackpropInputAttrsLike {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

type Args = {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  attrs: Conv2DBackpropInputAttrsLike;
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
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      Math.min(padTop, padLeft, padBottom, padRight) >= 0;
    if (!usable) {
      if (fallback == null) throw new Error('Conv2DBackpropInput (wasm): unsupported configuration');
      return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const flipped = callWasmKernel('Reverse', { x: filter }, { dims: [0, 1] }, backend);
    const swapped = transpose(backend, flipped, [0, 1, 3, 2]); // [fh, fw, Co, Ci]
    // The padding goes to XNNPACK as the convolution's own (explicit) padding: no padded copy of dy.
    const dx = conv2d(backend, dy, swapped, [1, 1], [1, 1], [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
    disposeAll(backend, flipped, swapped);
    return dx;
  };
  return kernel as unknown as KernelFunc;
}

export function conv2dBackpropInputConfig(fallback: KernelFunc | null): KernelConfig {
  return { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: createConv2dBackpropInputWasm(fallback) };
}
