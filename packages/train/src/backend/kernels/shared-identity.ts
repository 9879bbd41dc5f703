/**
 * Identity for wasm without the copy. The engine clones every tensor a custom gradient saves for backprop
 * (engine.clone → Identity), and wasm's Identity copies the data: ten full-size activation copies per Conv-4 step.
 * Tensors are immutable (a variable's assign swaps its data, it never writes in place), and the wasm backend counts
 * references per data id — its Reshape already shares data this way — so the clone can share too.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

function sharedIdentity({ inputs, backend }: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { x } = inputs;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const sharedIdentityConfig: KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: sharedIdentity as unknown as KernelFunc,
};
