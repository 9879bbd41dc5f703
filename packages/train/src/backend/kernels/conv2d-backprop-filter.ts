/**
 * Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks entirely.
 *
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} xPadded[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]
 * is itself a convolution once the batch axis plays the role of the channel axis: with
 * xT = xPadded transposed to [Ci, Hp, Wp, N] (Ci "images" of N channels) and dyT = dy transposed to
 * [Ho, Wo, N, Co] (an Ho×Wo "filter" from N to Co channels), a valid, stride-1 convolution with
 * dilation = the forward stride gives [Ci, kh, kw, Co]. XNNPACK runs that far faster than any loop we could
 * write in JavaScript.
 */
import { backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2d, disposeAll, slice } from './wasm-kernel-call.js';
import { transposeJs } from './transpose-js.js';

interface Conv2DBackpropFilterAttrsLike {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  attrs: Conv2DBackpropFilterAttrsLike;
  backend: BackendWasm;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { x, dy } = inputs;
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  const { top, bottom, left, right } = info.padInfo;
  const [n, h, w, ci] = x.shape;
  const co = info.outChannels;

  // Pad only as far as the forward conv actually read: rows 0 … (ho-1)·sh + fh - 1 of the padded input.
  const needH = (ho - 1) * sh + fh;
  const needW = (wo - 1) * sw + fw;
  const padBottom = Math.max(0, Math.min(bottom, needH - top - h));
  const padRight = Math.max(0, Math.min(right, needW - left - w));
  const cropH = Math.min(h, needH - top);
  const cropW = Math.min(w, needW - left);

  const temps: TensorInfo[] = [];
  let xIn = x;
  if (cropH < h || cropW < w) {
    xIn = slice(backend, x, [0, 0, 0, 0], [n, cropH, cropW, ci]);
    temps.push(xIn);
  }
  // The padding of x is the padding of the transposed convolution's input: XNNPACK applies it, no copy.
  const xT = transposeJs(backend, xIn, [3, 1, 2, 0]); // [Ci, H, W, N]
  const dyT = transposeJs(backend, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  temps.push(xT, dyT);
  let result = conv2d(backend, xT, dyT, [1, 1], [sh, sw], [[0, 0], [top, padBottom], [left, padRight], [0, 0]]); // [Ci, ≥fh, ≥fw, Co]
  if (result.shape[1] !== fh || result.shape[2] !== fw) {
    const cropped = slice(backend, result, [0, 0, 0, 0], [ci, fh, fw, co]);
    temps.push(result);
    result = cropped;
  }
  const dw = transposeJs(backend, result, [1, 2, 0, 3]); // [fh, fw, Ci, Co]
  temps.push(result);
  disposeAll(backend, ...temps);
  return dw;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
