/**
 * Direct Float32Array views of wasm-backend tensors. Views into the wasm heap go stale when the heap grows, so
 * allocate every output first and take the views afterwards.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export function heapView(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
