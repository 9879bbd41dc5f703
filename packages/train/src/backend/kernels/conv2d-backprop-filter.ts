/**
 * Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks entirely.
 *
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} xPadded[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]
 * is itself a convolution once the batch axis plays the role of the channel axis: with
 * xT = xPadded transposed to [Ci, Hp, Wp, N] (Ci "images" of N channels) and dyT = dy transposed to
 * [Ho, Wo, N, Co] (an Ho×Wo "filter" from N to Co channels), a valid, stride-1 convolution with
 * dilation = the forward stride gives [Ci, kh, kw, Co]. XNNPACK runs that far faster than any loop we could
 * write in JavaScript.
 *
 * A single input channel (the first layer of a grayscale net) is the exception: there the transposed convolution
 * has one "image" and a filter as large as the feature map, which XNNPACK handles badly (it repacks the huge
 * filter on every call). That case is an im2col matrix (rows × taps) times dy (rows × Co) on our SIMD kernel.
 *
 * When it fits in memory, the general case is faster still as one GEMM: with the output positions ordered
 * (oh, ow, n), row (kh, kw, ci) of A = im2colᵀ is Ho·Wo runs of N contiguous values of xT = x as [Ci, H, W, N], and
 * dW [(kh, kw, ci), co] = A · dyT with dyT = dy as [Ho, Wo, N, Co] — already the filter's layout. XNNPACK's GEMM
 * beats the equivalent transposed convolution by ~10% including building A (Conv-4 at batch 128, same process,
 * alternating: 150 vs 165 ms for the 14×14 layer, 35 vs 39 ms for the 7×7 one) and needs no final transpose. A is
 * written by the SIMD module (`im2colTransposed`: bulk copies of N-value runs), so this route needs that module.
 */
import { backend_util, type Conv2DBackpropFilterAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2d, disposeAll, matMul, slice, withShape } from './wasm-kernel-call.js';
import { transposeJs } from './transpose-js.js';
import { heapView } from './heap-arrays.js';
import { type SimdKernels, simdKernelsFor } from '../simd/simd-kernels.js';
import { filterGradInfo } from './filter-grad-info.js';
import { winogradFilterGrad, winogradKernelsFor } from './winograd-conv.js';


type FilterGradArgs = {
  inputs: { x: TensorInfo; dy: TensorInfo };
  attrs: Conv2DBackpropFilterAttrs;
  backend: BackendWasm;
};

/** The kernel; `winograd` lets 3×3 stride-1 convolutions take the Winograd route (our full kernel set only). */
export function conv2dBackpropFilterWasm(args: FilterGradArgs, winograd: boolean): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { x, dy } = inputs;
  const info = filterGradInfo(x, attrs, 'wasm');
  const route = filterGradRoute(info, backend, winograd);
  if (route === 'winograd') return winogradFilterGrad(backend, winogradKernelsFor(info, backend)!, x, dy, info);
  if (route === 'single-channel') return singleChannelFilterGrad(backend, simdKernelsFor(backend)!, x, dy, info);
  if (route === 'gemm') return filterGradGemm(backend, x, dy, info);
  return filterGradTransposedConv(backend, x, dy, info);
}

/** Which formulation computes the filter gradient of this convolution (see the file comment). */
export function filterGradRoute(
  info: backend_util.Conv2DInfo,
  backend: BackendWasm,
  winograd = true,
): 'winograd' | 'single-channel' | 'gemm' | 'transposed-conv' {
  const { batchSize: n, inChannels: ci, outChannels: co, filterHeight: fh, filterWidth: fw, outHeight: ho, outWidth: wo } = info;
  if (winograd && winogradKernelsFor(info, backend) != null) return 'winograd';
  if (ci === 1 && simdKernelsFor(backend, co) != null) return 'single-channel';
  const simd = simdKernelsFor(backend) != null;
  // The GEMM's operand is built by a SIMD-module kernel; without WebAssembly SIMD the convolution route serves.
  return simd && fh * fw * ci * ho * wo * n <= MAX_GEMM_OPERAND ? 'gemm' : 'transposed-conv';
}

/** The filter gradient as a transposed convolution XNNPACK runs (any size; see the file comment). */
export function filterGradTransposedConv(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
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

/** Largest im2colᵀ matrix (values) the GEMM route builds: 256 MB; beyond it the transposed convolution runs. */
const MAX_GEMM_OPERAND = 64 * 2 ** 20;

/** dW = im2colᵀ(x) · dyT as one XNNPACK GEMM (see the file comment). */
export function filterGradGemm(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo, outChannels: co } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const positions = ho * wo * n;
  const xT = transposeJs(backend, x, [3, 1, 2, 0]); // [Ci, H, W, N]
  const dyT = transposeJs(backend, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const a = backend.makeOutput([1, fh * fw * ci, positions], 'float32');
  simdKernelsFor(backend)!.im2colTransposed(xT, a, { ci, h, w, n, fh, fw, ho, wo, sh, sw, top, left });
  const product = matMul(backend, a, withShape(dyT, [1, positions, co])); // [1, fh·fw·Ci, Co]
  disposeAll(backend, xT, dyT, a);
  return { dataId: product.dataId, shape: [fh, fw, ci, co], dtype: 'float32' };
}

/**
 * dW[kh, kw, 0, co] = Σ_rows im2col(x)[row, kh·fw + kw] · dy[row, co] for one input channel. The im2col rows are
 * padded with zero taps to a multiple of 4 so the product runs register-blocked; the padding's sums are dropped.
 */
function singleChannelFilterGrad(
  backend: BackendWasm,
  simd: SimdKernels,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo, outChannels: co } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const taps = fh * fw;
  const columns = Math.ceil(taps / 4) * 4;
  const rows = n * ho * wo;
  const col = backend.makeOutput([rows, columns], 'float32');
  let sums: Float64Array;
  try {
    simd.im2colSingleChannel(x, col, { n, h, w, fh, fw, ho, wo, sh, sw, top, left }, columns);
    sums = simd.gram(col, dy, rows, columns, co);
  } finally {
    backend.disposeData(col.dataId);
  }
  const out = backend.makeOutput([fh, fw, 1, co], 'float32');
  heapView(backend, out).set(sums.subarray(0, taps * co));
  return out;
}

export function conv2dBackpropFilterConfig(winograd: boolean): KernelConfig {
  const kernel = (args: FilterGradArgs): TensorInfo => conv2dBackpropFilterWasm(args, winograd);
  return { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: kernel as unknown as KernelFunc };
}
