/**
 * Conv2D for wasm: 3×3 stride-1 convolutions with enough output (see winograd-conv.ts) run as Winograd
 * F(2×2, 3×3); everything else goes to the kernel wasm ships (XNNPACK's direct convolution). Our input-gradient
 * kernel calls Conv2D too, so the backward pass's largest convolutions take the same route.
 */
import { backend_util, type Conv2DAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { winogradConv2d, winogradKernelsFor } from './winograd-conv.js';

type Args = { inputs: { x: TensorInfo; filter: TensorInfo }; attrs: Conv2DAttrs; backend: BackendWasm };

export function createConv2dWasm(fallback: KernelFunc): KernelFunc {
  const kernel = (args: Args): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { x, filter } = inputs;
    if (attrs.dataFormat === 'NHWC' && x.dtype === 'float32' && filter.dtype === 'float32') {
      const info = backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filter.shape as [number, number, number, number],
        attrs.strides,
        attrs.dilations ?? 1,
        attrs.pad,
        attrs.dimRoundingMode,
        false,
        'channelsLast',
      );
      const simd = winogradKernelsFor(info, backend);
      if (simd != null) return winogradConv2d(backend, simd, x, filter, info);
    }
    return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  };
  return kernel as unknown as KernelFunc;
}

export function conv2dConfig(fallback: KernelFunc): KernelConfig {
  return { kernelName: 'Conv2D', backendName: 'wasm', kernelFunc: createConv2dWasm(fallback) };
}
