import { describe, expect, it } from 'vitest';
import { preprocessImage, resizePlane, SiameseError, type PreprocessTarget, type RawImage } from '../src/index.js';

const gray = (width: number, height: number, values: number[]): RawImage => ({ data: Uint8Array.from(values), width, height, channels: 1 });
const target = (w: number, h: number, c: 1 | 3, extra: Partial<PreprocessTarget['preprocess']> = {}): PreprocessTarget => ({
  input: { width: w, height: h, channels: c },
  preprocess: { resize: 'area', background: [255, 255, 255], invert: false, mean: c === 1 ? [0] : [0, 0, 0], std: c === 1 ? [1] : [1, 1, 1], ...extra },
});

describe('resizePlane', () => {
  it('area: 4×4 → 2×2 averages each 2×2 block', () => {
    const src = Float32Array.from([0, 2, 4, 6, 2, 4, 6, 8, 10, 10, 0, 0, 10, 10, 0, 0]);
    expect(Array.from(resizePlane(src, 4, 4, 2, 2, 'area'))).toEqual([2, 6, 10, 0]);
  });
  it('area: 3 → 2 weighs partially covered pixels by their coverage', () => {
    // output 0 covers [0, 1.5): 1 × a + 0.5 × b over 1.5; output 1 covers [1.5, 3): 0.5 × b + 1 × c over 1.5
    const out = resizePlane(Float32Array.from([3, 6, 9]), 3, 1, 2, 1, 'area');
    expect(out[0]).toBeCloseTo((3 + 0.5 * 6) / 1.5, 5);
    expect(out[1]).toBeCloseTo((0.5 * 6 + 9) / 1.5, 5);
  });
  it('area keeps the mean of the image (105 → 28, as for Omniglot)', () => {
    const src = Float32Array.from({ length: 105 * 105 }, (_, i) => (i * 7919) % 256);
    const out = resizePlane(src, 105, 105, 28, 28, 'area');
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(out)).toBeCloseTo(mean(src), 2);
  });
  it('bilinear uses half-pixel centres; nearest picks the covering pixel', () => {
    expect(Array.from(resizePlane(Float32Array.from([0, 10]), 2, 1, 4, 1, 'bilinear'))).toEqual([0, 2.5, 7.5, 10]);
    expect(Array.from(resizePlane(Float32Array.from([1, 2, 3, 4]), 4, 1, 2, 1, 'nearest'))).toEqual([2, 4]);
  });
});

describe('preprocessImage', () => {
  it('scales to [0, 1], inverts, then normalises with mean and std', () => {
    const out = preprocessImage(gray(2, 1, [0, 255]), target(2, 1, 1, { invert: true, mean: [0.5], std: [0.25] }));
    expect(Array.from(out)).toEqual([(1 - 0.5) / 0.25, (0 - 0.5) / 0.25]);
  });
  it('reads a gray image already at the input size straight from its bytes: the same values, input untouched', () => {
    const data = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 7919) % 256);
    const copy = data.slice();
    const spec = target(28, 28, 1, { invert: true, mean: [0.1], std: [0.3] });
    const out = preprocessImage({ data, width: 28, height: 28, channels: 1 }, spec);
    expect(Array.from(out)).toEqual(Array.from(data, (d) => Math.fround((1 - d / 255 - 0.1) / 0.3)));
    expect(data).toEqual(copy);
    // The general path (here: a twice-as-wide image of doubled columns, area-resized back to 28 columns)
    // agrees with it to float precision.
    const wide = Uint8Array.from({ length: 56 * 28 }, (_, i) => data[Math.floor(i / 56) * 28 + Math.floor((i % 56) / 2)]);
    const viaResize = preprocessImage({ data: wide, width: 56, height: 28, channels: 1 }, spec);
    for (let i = 0; i < out.length; i++) expect(viaResize[i]).toBeCloseTo(out[i], 5);
  });
  it('composites transparent pixels over the background before converting to gray', () => {
    const rgba: RawImage = { data: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 255]), width: 2, height: 1, channels: 4 };
    const out = preprocessImage(rgba, target(2, 1, 1));
    expect(out[0]).toBeCloseTo(1, 6); // fully transparent black → white paper
    expect(out[1]).toBeCloseTo(0, 6); // opaque black stays black
  });
  it('writes CHW for ONNX and HWC for TensorFlow.js, into a caller buffer at an offset', () => {
    const rgb: RawImage = { data: Uint8Array.from([255, 0, 0, 0, 255, 0]), width: 2, height: 1, channels: 3 };
    expect(Array.from(preprocessImage(rgb, target(2, 1, 3)))).toEqual([1, 0, 0, 1, 0, 0]);
    const buf = new Float32Array(8).fill(-1);
    preprocessImage(rgb, target(2, 1, 3), { layout: 'hwc', out: buf, offset: 2 });
    expect(Array.from(buf)).toEqual([-1, -1, 1, 0, 0, 0, 1, 0]);
  });
  it('refuses malformed images with typed errors', () => {
    const code = (f: () => unknown) => {
      try { f(); } catch (e) { return e instanceof SiameseError ? e.code : 'untyped'; }
      return 'none';
    };
    expect(code(() => preprocessImage(gray(0, 3, []), target(2, 2, 1)))).toBe('IMAGE_EMPTY');
    expect(code(() => preprocessImage({ data: new Uint8Array(3), width: 2, height: 2, channels: 1 }, target(2, 2, 1)))).toBe('INVALID_ARGUMENT');
    expect(code(() => preprocessImage({ data: new Uint8Array(4), width: 2, height: 2, channels: 5 as 1 }, target(2, 2, 1)))).toBe('INVALID_ARGUMENT');
    expect(code(() => preprocessImage(gray(2, 2, [1, 2, 3, 4]), target(2, 2, 1), { out: new Float32Array(3) }))).toBe('INVALID_ARGUMENT');
  });
});
