/**
 * TensorFlow's padding rules as explicit ONNX pads. 'same' pads so that out = ceil(in / stride) and puts the odd
 * pixel at the end (bottom/right); writing the pads out, computed from the static input size, avoids any
 * dependence on how a runtime interprets auto_pad.
 */
export interface Pads2D {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export type TfPadding = 'same' | 'valid';

function samePad(input: number, kernel: number, stride: number, dilation: number): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + effective - input, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

export function computePads(
  padding: TfPadding,
  input: [number, number],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number] = [1, 1],
): Pads2D {
  if (padding === 'valid') return { top: 0, left: 0, bottom: 0, right: 0 };
  const [top, bottom] = samePad(input[0], kernel[0], strides[0], dilations[0]);
  const [left, right] = samePad(input[1], kernel[1], strides[1], dilations[1]);
  return { top, left, bottom, right };
}

/** ONNX `pads` attribute order: [x1_begin, x2_begin, x1_end, x2_end]. */
export function onnxPads(p: Pads2D): number[] {
  return [p.top, p.left, p.bottom, p.right];
}
