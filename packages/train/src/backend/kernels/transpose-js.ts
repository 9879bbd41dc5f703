/**
 * Rank-4 transpose in JavaScript over the wasm heap, for the layout changes inside our convolution-gradient
 * kernels. wasm's Transpose kernel computes a full multi-index per element and is several times slower than the
 * convolutions it feeds; here the output is written in order with incremental source offsets, and a preserved
 * innermost axis is copied as contiguous runs (native copies). The outer↔inner swap [N,H,W,C] → [C,H,W,N] runs as
 * SIMD 4×4 block transposes when N and C are multiples of 4.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from './heap-arrays.js';
import { simdKernelsFor } from '../simd/simd-kernels.js';

export function transposeJs(backend: BackendWasm, x: TensorInfo, perm: [number, number, number, number]): TensorInfo {
  const shape = x.shape;
  if (shape.length !== 4) throw new Error('transposeJs: rank 4 only');
  const strides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const outShape = perm.map((p) => shape[p]);
  const out = backend.makeOutput(outShape, 'float32');
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  const [o0, o1, o2, o3] = outShape;
  const [s0, s1, s2, s3] = perm.map((p) => strides[p]);
  const swapsOuterInner = perm[0] === 3 && perm[1] === 1 && perm[2] === 2 && perm[3] === 0;
  const simd = swapsOuterInner ? simdKernelsFor(backend, shape[0], shape[3]) : null;
  let k = 0;
  if (simd != null) {
    simd.transposeOuterInner(x, out, shape[0], shape[1] * shape[2], shape[3]);
  } else if (s3 === 1) {
    for (let a = 0; a < o0; a++) {
      for (let b = 0; b < o1; b++) {
        let base = a * s0 + b * s1;
        for (let c = 0; c < o2; c++, base += s2, k += o3) dst.set(src.subarray(base, base + o3), k);
      }
    }
  } else {
    for (let a = 0; a < o0; a++) {
      for (let b = 0; b < o1; b++) {
        let base = a * s0 + b * s1;
        for (let c = 0; c < o2; c++, base += s2) {
          let index = base;
          for (let d = 0; d < o3; d++, index += s3) dst[k++] = src[index];
        }
      }
    }
  }
  return out;
}
