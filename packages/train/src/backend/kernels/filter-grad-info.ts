/**
 * What both Conv2DBackpropFilter kernels (wasm and cpu) read from the engine's call: the forward convolution's
 * geometry, from the op's attributes. NHWC only (tfjs-layers' default); dilation 1 (the op has none).
 */
import { backend_util, type Conv2DBackpropFilterAttrs, type TensorInfo } from '@tensorflow/tfjs-core';

export function filterGradInfo(x: TensorInfo, attrs: Conv2DBackpropFilterAttrs, backendName: string): backend_util.Conv2DInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error(`Conv2DBackpropFilter (${backendName}): only NHWC is supported`);
  return backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}
