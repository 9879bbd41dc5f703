/**
 * BatchMatMul with a transposed operand, for wasm. wasm's kernel takes its fast XNNPACK path only when neither
 * operand is transposed; with transposeA or transposeB it falls back to a scalar loop about 10× slower. Measured
 * here (1 thread): [256,64]·[256,64]ᵀ 7.4 ms against 0.87 ms as transpose + plain product; [256,256]ᵀ·[256,64]
 * 8.2 ms against 0.62 ms. Every pairwise-distance matrix of a loss is such a product, and so is every backward pass
 * of a matMul (dA = dY·Bᵀ, dB = Aᵀ·dY). So the transposed operand is materialised with wasm's Transpose and the
 * plain product is wasm's own kernel.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeAll, transpose } from './wasm-kernel-call.js';

type MatMulArgs = {
  inputs: { a: TensorInfo; b: TensorInfo };
  attrs: { transposeA: boolean; transposeB: boolean };
  backend: BackendWasm;
};

/** The permutation that swaps the last two axes. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

export function transposedMatMulConfig(fallback: KernelFunc): KernelConfig {
  const kernel = (args: MatMulArgs): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { transposeA, transposeB } = attrs;
    const { a, b } = inputs;
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const temporaries: TensorInfo[] = [];
    const plain = (x: TensorInfo, transposed: boolean): TensorInfo => {
      if (!transposed) return x;
      const t = transpose(backend, x, swapLastTwo(x.shape.length));
      temporaries.push(t);
      return t;
    };
    try {
      const plainArgs = { inputs: { a: plain(a, transposeA), b: plain(b, transposeB) }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend };
      return fallback(plainArgs as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    } finally {
      disposeAll(backend, ...temporaries);
    }
  };
  return { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: kernel as unknown as KernelFunc };
}
