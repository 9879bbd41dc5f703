/**
 * Sum and Mean over the leading axes (e.g. [0,1,2] of an NHWC tensor — every bias, batch-norm and broadcast
 * gradient) for wasm. wasm's kernels first transpose the reduced axes to the end, which costs more than the
 * reduction itself. Here x is read once, in place, as R rows of C columns, accumulating in float64 (more accurate
 * than float32 over R = N·H·W ≈ 10⁵ rows). (A [1,R]×[R,C] matrix product would be faster per FLOP but XNNPACK
 * packs its right-hand side anew for every fresh tensor, which dominates.) Any other reduction is handed to
 * wasm's own kernel.
 */
import { util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './heap-arrays.js';
import { simdKernelsFor } from '../simd/simd-kernels.js';

type ReduceArgs = {
  inputs: { x: TensorInfo };
  attrs: { axis: number | number[]; keepDims: boolean };
  backend: BackendWasm;
};

/** Number of leading axes reduced, or 0 when the reduction is not over a leading block of axes. */
function leadingAxesCount(shape: number[], axis: number | number[]): number {
  const rank = shape.length;
  const axes = util.parseAxisParam(axis, shape).slice().sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return 0;
  for (let i = 0; i < axes.length; i++) if (axes[i] !== i) return 0;
  return axes.length;
}

function createLeadingAxisReduce(kind: 'Sum' | 'Mean', fallback: KernelFunc): KernelFunc {
  const kernel = (args: ReduceArgs): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { x } = inputs;
    const k = x.dtype === 'float32' ? leadingAxesCount(x.shape, attrs.axis) : 0;
    if (k === 0) return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const rows = util.sizeFromShape(x.shape.slice(0, k));
    const restShape = x.shape.slice(k);
    const cols = util.sizeFromShape(restShape);
    const outShape = attrs.keepDims ? [...new Array<number>(k).fill(1), ...restShape] : restShape;
    const out = backend.makeOutput(outShape, 'float32');
    const simd = simdKernelsFor(backend, cols);
    let acc: Float64Array;
    if (simd != null) {
      acc = simd.sumRows(x, rows, cols);
    } else {
      const src = heapView(backend, x);
      acc = new Float64Array(cols);
      for (let r = 0, base = 0; r < rows; r++, base += cols) {
        for (let c = 0; c < cols; c++) acc[c] += src[base + c];
      }
    }
    const dst = heapView(backend, out);
    const scale = kind === 'Mean' ? 1 / rows : 1;
    for (let c = 0; c < cols; c++) dst[c] = acc[c] * scale;
    return out;
  };
  return kernel as unknown as KernelFunc;
}

export function leadingAxisSumConfig(fallback: KernelFunc): KernelConfig {
  return { kernelName: 'Sum', backendName: 'wasm', kernelFunc: createLeadingAxisReduce('Sum', fallback) };
}

export function leadingAxisMeanConfig(fallback: KernelFunc): KernelConfig {
  return { kernelName: 'Mean', backendName: 'wasm', kernelFunc: createLeadingAxisReduce('Mean', fallback) };
}
