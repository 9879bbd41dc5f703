/**
 * Preprocessing exactly as a model's metadata describes it. The trainer's dataset cache and both SDKs call
 * this one function, so training and serving see identical tensors.
 *
 * Order: composite alpha over `background` → convert to the model's channels → resize → scale to [0, 1]
 * → optional inversion → (x - mean) / std.
 */
import { SiameseError } from './errors.js';
import type { RawImage } from './image.js';
import { checkPixelLimit } from './image-header.js';
import type { InputSpec, PreprocessSpec, ResizeMode } from './metadata.js';

export interface PreprocessTarget {
  input: Pick<InputSpec, 'width' | 'height' | 'channels'>;
  preprocess: PreprocessSpec;
}

/**
 * Checks that a RawImage is well-formed; throws IMAGE_EMPTY / IMAGE_TOO_LARGE / INVALID_ARGUMENT otherwise. With
 * `maxPixels`, the size is checked against it right after the dimensions and before the data: the order both SDKs
 * report a claimed size in (an encoded image's header is checked before its data too), so the same bad image
 * gets the same error everywhere.
 */
export function assertRawImage(image: RawImage, maxPixels?: number): void {
  const { width, height, channels, data } = image ?? ({} as RawImage);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new SiameseError('INVALID_ARGUMENT', `raw image needs integer width and height, got ${String(width)}×${String(height)}`);
  }
  if (width === 0 || height === 0) throw new SiameseError('IMAGE_EMPTY', `image is empty (${width}×${height})`);
  if (maxPixels !== undefined) checkPixelLimit(width, height, maxPixels);
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new SiameseError('INVALID_ARGUMENT', `raw image channels must be 1, 2, 3 or 4, got ${String(channels)}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new SiameseError('INVALID_ARGUMENT', `raw image data must be a Uint8Array or Uint8ClampedArray, got ${describeValue(data)}`);
  }
  if (data.length !== width * height * channels) {
    throw new SiameseError('INVALID_ARGUMENT', `raw image data has ${data.length} bytes, expected ${width}×${height}×${channels} = ${width * height * channels}`);
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}

/**
 * Composites alpha over the background and converts to 1 or 3 float channels in [0, 255], planar (CHW).
 * One loop per input layout (this runs for every image served, so no per-pixel layout branches).
 */
function toPlanar(image: RawImage, outChannels: 1 | 3, background: [number, number, number]): Float32Array[] {
  const { data, width, height, channels } = image;
  const n = width * height;
  const [br, bg, bb] = background;
  if (outChannels === 1) {
    const p = new Float32Array(n);
    if (channels === 1) {
      for (let i = 0; i < n; i++) p[i] = data[i];
    } else if (channels === 2) {
      for (let i = 0, o = 0; i < n; i++, o += 2) {
        const v = data[o];
        const a = data[o + 1] / 255;
        p[i] = luma(v * a + br * (1 - a), v * a + bg * (1 - a), v * a + bb * (1 - a));
      }
    } else if (channels === 3) {
      for (let i = 0, o = 0; i < n; i++, o += 3) p[i] = luma(data[o], data[o + 1], data[o + 2]);
    } else {
      for (let i = 0, o = 0; i < n; i++, o += 4) {
        const a = data[o + 3] / 255;
        p[i] = luma(data[o] * a + br * (1 - a), data[o + 1] * a + bg * (1 - a), data[o + 2] * a + bb * (1 - a));
      }
    }
    return [p];
  }
  const r = new Float32Array(n);
  const g = new Float32Array(n);
  const b = new Float32Array(n);
  const colour = channels >= 3;
  const hasAlpha = channels === 2 || channels === 4;
  for (let i = 0, o = 0; i < n; i++, o += channels) {
    const vr = data[o];
    const vg = colour ? data[o + 1] : vr;
    const vb = colour ? data[o + 2] : vr;
    if (hasAlpha) {
      const a = data[o + channels - 1] / 255;
      r[i] = vr * a + br * (1 - a);
      g[i] = vg * a + bg * (1 - a);
      b[i] = vb * a + bb * (1 - a);
    } else {
      r[i] = vr; g[i] = vg; b[i] = vb;
    }
  }
  return [r, g, b];
}

/** ITU-R BT.601 luma, the weights jimp's greyscale and most decoders use. */
function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/**
 * Per-output-pixel source spans with their weights, flattened: output o reads `count[o]` source samples from
 * `start[o]` with weights `weights[offset[o] ...]`. One separable pass serves every resize mode.
 */
interface Spans {
  start: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  weights: Float64Array;
}

function toSpans(list: { start: number; weights: number[] }[]): Spans {
  const n = list.length;
  const spans: Spans = { start: new Int32Array(n), count: new Int32Array(n), offset: new Int32Array(n), weights: new Float64Array(list.reduce((a, s) => a + s.weights.length, 0)) };
  let k = 0;
  list.forEach((s, o) => {
    spans.start[o] = s.start;
    spans.count[o] = s.weights.length;
    spans.offset[o] = k;
    for (const w of s.weights) spans.weights[k++] = w;
  });
  return spans;
}

/** Exact area averaging for any scale factor: fractional coverage of each source pixel. */
function areaWeights(inSize: number, outSize: number): { start: number; weights: number[] }[] {
  const scale = inSize / outSize;
  const spans: { start: number; weights: number[] }[] = [];
  for (let o = 0; o < outSize; o++) {
    const lo = o * scale;
    const hi = lo + scale;
    const start = Math.floor(lo);
    const weights: number[] = [];
    for (let i = start; i < Math.min(inSize, Math.ceil(hi)); i++) {
      weights.push((Math.min(hi, i + 1) - Math.max(lo, i)) / scale);
    }
    spans.push({ start, weights });
  }
  return spans;
}

/** Bilinear (half-pixel centres, edge-clamped). */
function bilinearWeights(inSize: number, outSize: number): { start: number; weights: number[] }[] {
  const scale = inSize / outSize;
  const spans: { start: number; weights: number[] }[] = [];
  for (let o = 0; o < outSize; o++) {
    const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const i0 = Math.floor(x);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const f = x - i0;
    spans.push(i1 === i0 ? { start: i0, weights: [1] } : { start: i0, weights: [1 - f, f] });
  }
  return spans;
}

function nearestWeights(inSize: number, outSize: number): { start: number; weights: number[] }[] {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, o) => ({ start: Math.min(inSize - 1, Math.floor((o + 0.5) * scale)), weights: [1] }));
}

// Spans depend only on (mode, in, out); images of one size repeat, so computing them once per size pays off.
const spanCache = new Map<string, Spans>();
const SPAN_CACHE_LIMIT = 256;

function spansFor(mode: ResizeMode, inSize: number, outSize: number): Spans {
  const key = `${mode}:${inSize}:${outSize}`;
  let spans = spanCache.get(key);
  if (!spans) {
    // Area averaging only makes sense when shrinking; enlarging with it degenerates to nearest, so use bilinear.
    const list =
      mode === 'area' ? (inSize >= outSize ? areaWeights(inSize, outSize) : bilinearWeights(inSize, outSize))
      : mode === 'bilinear' ? bilinearWeights(inSize, outSize)
      : nearestWeights(inSize, outSize);
    spans = toSpans(list);
    if (spanCache.size >= SPAN_CACHE_LIMIT) spanCache.clear();
    spanCache.set(key, spans);
  }
  return spans;
}

/** Separable resize of one plane. */
export function resizePlane(src: Float32Array, width: number, height: number, outW: number, outH: number, mode: ResizeMode): Float32Array {
  if (width === outW && height === outH) return src.slice();
  const xs = spansFor(mode, width, outW);
  const ys = spansFor(mode, height, outH);
  const tmp = new Float32Array(outW * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < outW; x++) {
      const start = row + xs.start[x];
      const off = xs.offset[x];
      const n = xs.count[x];
      let acc = 0;
      for (let k = 0; k < n; k++) acc += src[start + k] * xs.weights[off + k];
      tmp[y * outW + x] = acc;
    }
  }
  const out = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const start = ys.start[y];
    const off = ys.offset[y];
    const n = ys.count[y];
    for (let x = 0; x < outW; x++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += tmp[(start + k) * outW + x] * ys.weights[off + k];
      out[y * outW + x] = acc;
    }
  }
  return out;
}

export interface PreprocessOptions {
  /** 'chw' for ONNX models (default), 'hwc' for TensorFlow.js training. */
  layout?: 'chw' | 'hwc';
  /** Write into this array at `offset` instead of allocating (batching without copies). */
  out?: Float32Array;
  offset?: number;
}

/** Turns a decoded image into the model's input tensor values (C×H×W floats, or H×W×C). */
export function preprocessImage(image: RawImage, target: PreprocessTarget, options: PreprocessOptions = {}): Float32Array {
  assertRawImage(image);
  const { width: W, height: H, channels: C } = target.input;
  const { resize, background, invert, mean, std } = target.preprocess;
  // At the model's size no resize runs, and a gray image needs no planar copy either: its bytes are the plane
  // (the same values toPlanar would copy). This is the serving path for images already at the input size.
  const sameSize = image.width === W && image.height === H;
  const planes: ArrayLike<number>[] =
    sameSize && C === 1 && image.channels === 1 ? [image.data]
    : toPlanar(image, C, background).map((p) => (sameSize ? p : resizePlane(p, image.width, image.height, W, H, resize)));
  const size = W * H * C;
  const offset = options.offset ?? 0;
  const out = options.out ?? new Float32Array(size);
  if (out.length < offset + size) throw new SiameseError('INVALID_ARGUMENT', `output buffer too small: need ${offset + size} floats, have ${out.length}`);
  const hwc = options.layout === 'hwc';
  for (let c = 0; c < C; c++) {
    const plane = planes[c];
    const m = mean[c];
    const s = std[c];
    for (let i = 0; i < W * H; i++) {
      let v = plane[i] / 255;
      if (invert) v = 1 - v;
      out[offset + (hwc ? i * C + c : c * W * H + i)] = (v - m) / s;
    }
  }
  return out;
}
