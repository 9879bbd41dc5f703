/**
 * 3×3, stride-1 convolutions as Winograd F(2×2, 3×3) (Lavin & Gray 2016): each 2×2 block of outputs costs 16
 * multiplies per channel pair instead of 36, so the three convolutions of a training step — forward, input gradient
 * (a forward convolution with the flipped filter, see conv2d-backprop-input.ts) and filter gradient — need 2.25×
 * fewer multiply–adds than XNNPACK's direct convolution.
 *
 *   forward:          Y = Aᵀ·[ (G·g·Gᵀ) ⊙ (Bᵀ·d·B) ]·A          per 4×4 input tile d, summed over input channels
 *   filter gradient:  ∂g = Gᵀ·[ Σ_tiles (Bᵀ·d·B) ⊙ (A·∂Y·Aᵀ) ]·G  (the forward's adjoint with respect to G·g·Gᵀ)
 *
 * Component ξ = 4·r + s of the 4×4 transforms is one matrix product: [tiles, Ci] × [Ci, Co] forward, Σ_tiles of
 * [Ci] ⊗ [Co] outer products for the filter gradient. Everything runs in the SIMD module (kernels.wat), block by
 * block of TILE_BLOCK tiles: transform a block (additions only), multiply (4 × 8 register-blocked), transform back,
 * while the block's 16 slabs are still in cache; the tile kernels read the padding as zeros, so no padded copies.
 * Transforming whole maps first and multiplying after (16 XNNPACK GEMMs over 25 MB slabs) was as fast alone but
 * memory-bound: with a second training process on the other core it slowed 1.2–1.4×, where this slows about as
 * much as the direct convolution (1.1×). The transform matrices hold only 0, ±1 and ±½, so float32 results stay
 * within a few ulps of the direct convolution (the parity tests compare both against the cpu backend).
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernelsFor, type SimdKernels, type SlabGroup, type WinogradMap } from '../simd/simd-kernels.js';

/**
 * Smallest output side that runs as Winograd. Below it the 2×2 tiles waste too much (a 3×3 map takes 2×2 tiles,
 * 64 multiplies per channel pair against the direct convolution's 81).
 */
export const WINOGRAD_MIN_SIDE = 6;

/** Tiles per block: a block's 16 V and 16 M slabs (64 channels) take 2 × 128 kB, beside 256 kB of transformed filter. */
const TILE_BLOCK = 32; // a multiple of 4: the products run over whole 4-row blocks

/** Tiles between the filter gradient's float64 folds of its float32 block sums (bounds float32 rounding). */
const TILES_PER_FOLD = 256;

/** The SIMD kernels when this convolution runs as Winograd F(2×2, 3×3) on `backend`, else null. */
export function winogradKernelsFor(info: backend_util.Conv2DInfo, backend: BackendWasm): SimdKernels | null {
  const square3x3 = info.filterHeight === 3 && info.filterWidth === 3;
  const unitSteps = info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1;
  const bigEnough = info.outHeight >= WINOGRAD_MIN_SIDE && info.outWidth >= WINOGRAD_MIN_SIDE;
  // The products are 4 × 8 register blocks over channels: both channel counts must be multiples of 8.
  const channels = info.inChannels % 8 === 0 && info.outChannels % 8 === 0;
  if (!square3x3 || !unitSteps || !bigEnough || !channels || info.dataFormat !== 'channelsLast') return null;
  return simdKernelsFor(backend);
}

/**
 * Tiles of 2×2 outputs covering the output map: how the input map and the output map are read as tiles. The kernels
 * read zeros outside a map (the padding) and write only inside it, so nothing is padded or cropped here.
 */
function tiling(info: backend_util.Conv2DInfo): { input: WinogradMap; output: WinogradMap; count: number } {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo, outChannels: co } = info;
  const tilesH = Math.ceil(ho / 2);
  const tilesW = Math.ceil(wo / 2);
  const { top, left } = info.padInfo;
  return {
    input: { h, w, c: ci, tilesH, tilesW, top, left },
    output: { h: ho, w: wo, c: co, tilesH, tilesW, top: 0, left: 0 },
    count: n * tilesH * tilesW,
  };
}

/** A heap workspace of 16-slab groups, one per entry of `floatsPerSlab` (4-byte values); freed by `free`. */
function workspace(simd: SimdKernels, floatsPerSlab: number[]): { groups: SlabGroup[]; free: () => void } {
  const base = simd.allocate(16 * 4 * floatsPerSlab.reduce((a, b) => a + b, 0));
  const groups: SlabGroup[] = [];
  let at = base;
  for (const floats of floatsPerSlab) {
    groups.push({ at, slabBytes: floats * 4 });
    at += 16 * floats * 4;
  }
  return { groups, free: () => simd.free(base) };
}

/**
 * A fresh output tensor filled by `fill` with the help of a heap workspace (see `workspace`): the workspace is freed
 * in every case, the output too when filling fails.
 */
function fillOutput(
  backend: BackendWasm,
  simd: SimdKernels,
  shape: number[],
  floatsPerSlab: number[],
  fill: (out: TensorInfo, groups: SlabGroup[]) => void,
): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  let space: ReturnType<typeof workspace> | undefined;
  try {
    space = workspace(simd, floatsPerSlab);
    fill(out, space.groups);
    return out;
  } catch (error) {
    backend.disposeData(out.dataId);
    throw error;
  } finally {
    space?.free();
  }
}

/** y = conv2d(x, filter) for a convolution `winogradKernelsFor` accepted. */
export function winogradConv2d(backend: BackendWasm, simd: SimdKernels, x: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { inChannels: ci, outChannels: co } = info;
  const { input, output, count } = tiling(info);
  return fillOutput(backend, simd, info.outShape, [TILE_BLOCK * ci, TILE_BLOCK * co, ci * co], (y, [v, m, u]) => {
    simd.winogradFilterTransform(simd.pointer(filter), u.at, ci * co);
    for (let first = 0; first < count; first += TILE_BLOCK) {
      const rows = Math.min(TILE_BLOCK, count - first);
      simd.winogradInputTiles(x, v, input, first, rows);
      // The products run over whole 4-row blocks (TILE_BLOCK is a multiple of 4, so they stay in the workspace);
      // rows past `rows` hold an earlier block's values or unwritten memory, and their products go unread.
      simd.matMulSlabs(v, u, m, Math.ceil(rows / 4) * 4, ci, co);
      simd.winogradOutputTiles(m, y, output, first, rows);
    }
  });
}

/** dW for a convolution `winogradKernelsFor` accepted. */
export function winogradFilterGrad(backend: BackendWasm, simd: SimdKernels, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { inChannels: ci, outChannels: co } = info;
  const { input, output, count } = tiling(info);
  const pairs = ci * co;
  // Σ_tiles runs in float32 over TILES_PER_FOLD tiles at a time (acc), folded into float64 totals (total: 2 slots
  // of 4 bytes per value).
  return fillOutput(backend, simd, [3, 3, ci, co], [TILE_BLOCK * ci, TILE_BLOCK * co, pairs, 2 * pairs], (dw, [v, dm, acc, total]) => {
    simd.floatsAt(acc.at, 16 * pairs).fill(0);
    simd.floatsAt(total.at, 2 * 16 * pairs).fill(0);
    let sinceFold = 0;
    for (let first = 0; first < count; first += TILE_BLOCK) {
      const rows = Math.min(TILE_BLOCK, count - first);
      simd.winogradInputTiles(x, v, input, first, rows);
      simd.winogradGradTiles(dy, dm, output, first, rows);
      simd.gramSlabs(v, dm, acc, rows, ci, co);
      sinceFold += rows;
      if (sinceFold >= TILES_PER_FOLD || first + rows >= count) {
        simd.addToFloat64(acc.at, total.at, 16 * pairs);
        sinceFold = 0;
      }
    }
    simd.float64ToFloat32(total.at, acc.at, 16 * pairs);
    simd.winogradFilterGradient(acc.at, simd.pointer(dw), pairs);
  });
}
