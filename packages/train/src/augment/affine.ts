/**
 * Koch et al. (2015) affine distortions, applied on the fly to the cached, preprocessed images: rotation
 * θ ∈ [-10°, 10°], shear ρx, ρy ∈ [-0.3, 0.3], scale sx, sy ∈ [0.8, 1.2], translation tx, ty ∈ [-2, 2] px at
 * Omniglot's 105-px scale (scaled to the input size: ±0.53 px at 28 px). Each of the four components is applied
 * independently with probability p = 0.5, as in the paper. The warp is about the image centre with bilinear
 * sampling; pixels that come from outside the image get the preprocessed background value (paper).
 */
import type { PreprocessSpec } from '@siamese-sdk/core';
import type { Rng } from '../sampling/rng.js';

export interface AffineOptions {
  /** Max rotation in degrees. */
  rotationDeg: number;
  /** Max |shear| per axis. */
  shear: number;
  /** Scale range per axis. */
  scale: [number, number];
  /** Max |translation| in pixels at `referenceSize`. */
  translate: number;
  /** Image size the translation is specified at (105 = Omniglot originals). */
  referenceSize: number;
  /** Probability of applying each component. */
  p: number;
}

export const KOCH_AFFINE: AffineOptions = { rotationDeg: 10, shear: 0.3, scale: [0.8, 1.2], translate: 2, referenceSize: 105, p: 0.5 };

/** 2×3 matrix [a b c; d e f] mapping destination (x, y) → source (a x + b y + c, d x + e y + f), in pixels. */
export type Affine = [number, number, number, number, number, number];

/**
 * Draws one random transform for an image of size `size` and returns the inverse map (destination → source)
 * that the sampler needs.
 */
export function randomAffine(rng: Rng, size: number, options: AffineOptions = KOCH_AFFINE): Affine {
  // Draw every component even when not applied, so the number of draws (hence the RNG stream) is fixed.
  const useR = rng.chance(options.p), theta = (rng.uniform(-1, 1) * options.rotationDeg * Math.PI) / 180;
  const useSh = rng.chance(options.p), shx = rng.uniform(-options.shear, options.shear), shy = rng.uniform(-options.shear, options.shear);
  const useS = rng.chance(options.p), sx = rng.uniform(options.scale[0], options.scale[1]), sy = rng.uniform(options.scale[0], options.scale[1]);
  const useT = rng.chance(options.p);
  const t = (options.translate * size) / options.referenceSize;
  const tx = rng.uniform(-t, t), ty = rng.uniform(-t, t);
  // Forward map about the centre: p' = T + R · Sh · S · (p - c) + c.
  const cos = Math.cos(useR ? theta : 0), sin = Math.sin(useR ? theta : 0);
  const R = [cos, -sin, sin, cos];
  const Sh = useSh ? [1, shx, shy, 1] : [1, 0, 0, 1];
  const S = useS ? [sx, 0, 0, sy] : [1, 0, 0, 1];
  const M = mul2(R, mul2(Sh, S));
  const det = M[0] * M[3] - M[1] * M[2];
  const inv = [M[3] / det, -M[1] / det, -M[2] / det, M[0] / det];
  const c = (size - 1) / 2;
  const dx = useT ? tx : 0, dy = useT ? ty : 0;
  // Inverse: p = M⁻¹ (p' - c - T) + c.
  const ox = c + dx, oy = c + dy;
  return [inv[0], inv[1], c - inv[0] * ox - inv[1] * oy, inv[2], inv[3], c - inv[2] * ox - inv[3] * oy];
}

function mul2(a: number[], b: number[]): number[] {
  return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
}

/** The preprocessed value of the paper colour per channel, used for pixels warped in from outside. */
export function backgroundValues(spec: PreprocessSpec, channels: number): number[] {
  return Array.from({ length: channels }, (_, c) => {
    const luma = 0.299 * spec.background[0] + 0.587 * spec.background[1] + 0.114 * spec.background[2];
    let v = (channels === 1 ? luma : spec.background[c]) / 255;
    if (spec.invert) v = 1 - v;
    return (v - spec.mean[c]) / spec.std[c];
  });
}

/** Warps one H×W×C image (HWC floats at `srcOffset`) into `dst` at `dstOffset` with bilinear sampling. */
export function warpAffine(src: Float32Array, srcOffset: number, dst: Float32Array, dstOffset: number, size: number, channels: number, m: Affine, fill: number[]): void {
  const [a, b, c, d, e, f] = m;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      const o = dstOffset + (y * size + x) * channels;
      for (let ch = 0; ch < channels; ch++) {
        const at = (yy: number, xx: number): number =>
          yy < 0 || yy >= size || xx < 0 || xx >= size ? fill[ch] : src[srcOffset + (yy * size + xx) * channels + ch];
        const top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx;
        const bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx;
        dst[o + ch] = top * (1 - fy) + bottom * fy;
      }
    }
  }
}

/** Distorts `n` consecutive images of a batch in place. */
export function augmentBatch(images: Float32Array, n: number, size: number, channels: number, rng: Rng, fill: number[], options: AffineOptions = KOCH_AFFINE): void {
  const len = size * size * channels;
  const tmp = new Float32Array(len);
  for (let i = 0; i < n; i++) {
    const m = randomAffine(rng, size, options);
    tmp.set(images.subarray(i * len, (i + 1) * len));
    warpAffine(tmp, 0, images, i * len, size, channels, m, fill);
  }
}
