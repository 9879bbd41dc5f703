/**
 * Our wasm kernels are compositions of wasm's own (XNNPACK-backed) kernels. They call those kernels' functions
 * directly through the kernel registry — not through the engine — so intermediates are plain backend data that
 * we free ourselves, and the engine records a single kernel for autograd and profiling.
 */
import { backend_util, getKernel, type DataType, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type WasmKernelInputs = Record<string, TensorInfo>;

export function callWasmKernel(
  name: string,
  inputs: WasmKernelInputs,
  attrs: NamedAttrMap,
  backend: BackendWasm,
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel == null) throw new Error(`wasm kernel ${name} is not registered`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name} returned several outputs`);
  return out as TensorInfo;
}

/** A view of the same data with another shape (no copy; the caller keeps ownership of the original). */
export function withShape(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

export function disposeAll(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return callWasmKernel('Transpose', { x }, { perm }, backend);
}

export function pad(backend: BackendWasm, x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
  return callWasmKernel('PadV2', { x }, { paddings, constantValue: 0 }, backend);
}

export function slice(backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return callWasmKernel('Slice', { x }, { begin, size }, backend);
}

export function conv2d(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  padValue: 'valid' | 'same' | backend_util.ExplicitPadding = 'valid',
): TensorInfo {
  return callWasmKernel(
    'Conv2D',
    { x, filter },
    { strides, dilations, pad: padValue, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as NamedAttrMap,
    backend,
  );
}

/** [1, m, k] × [1, k, n] → [1, m, n] (XNNPACK's GEMM). */
export function matMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return callWasmKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false } as unknown as NamedAttrMap, backend);
}

export function isFloat32(dtype: DataType): boolean {
  return dtype === 'float32';
}
