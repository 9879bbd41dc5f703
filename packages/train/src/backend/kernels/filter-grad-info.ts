/**
 * What both Conv2DBackpropFilter kernels (wasm and cpu) read from the engine's call: the attributes, and from them
 * the forward convolution's geometry. NHWC only (tfjs-layers' default); dilation 1 (the op has none).
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';

export interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

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
