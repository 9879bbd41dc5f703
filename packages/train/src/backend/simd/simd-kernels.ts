/**
 * The SIMD kernels of kernels.wat, bound to one tfjs wasm backend: the module imports that backend's memory, so it
 * reads and writes tensors where they lie. This file turns tensors into heap offsets, stages the small per-channel
 * vectors in a scratch block, and splits long reductions into blocks of rows summed in float64.
 *
 * `simdKernelsFor` returns null where WebAssembly SIMD is unavailable or the backend's memory cannot be reached;
 * callers then use their JavaScript loops.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SIMD_KERNELS_WASM_BASE64 } from './simd-kernels.generated.js';

/** Rows per float32 partial sum before it is folded into the float64 total (bounds float32 rounding). */
const ROWS_PER_BLOCK = 256;

interface SimdExports {
  sumRows(x: number, rows: number, c: number, acc: number): void;
  centredSquares(x: number, rows: number, c: number, mean: number, acc: number): void;
  batchNormForward(x: number, y: number, rows: number, c: number, a: number, b: number, floor: number): void;
  batchNormGradSums(dy: number, x: number, y: number, rows: number, c: number, mean: number, accG: number, accGX: number, relu: number): void;
  batchNormGradInput(dy: number, x: number, y: number, dx: number, rows: number, c: number, pqs: number, relu: number): void;
  maxPool2x2Grad(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, ho: number, wo: number): void;
  filterGradOuter(col: number, dy: number, rows: number, taps: number, c: number, acc: number): void;
  transposeOuterInner(src: number, dst: number, n: number, x: number, c: number): void;
  im2colTransposed(src: number, dst: number, ci: number, h: number, w: number, n: number, fh: number, fw: number, ho: number, wo: number, sh: number, sw: number, top: number, left: number): void;
  gramAccumulate(a: number, b: number, rows: number, m: number, n: number, acc: number): void;
  matMulSlabs(a: number, aStride: number, b: number, bStride: number, c: number, cStride: number, slabs: number, rows: number, k: number, n: number): void;
  gramSlabs(a: number, aStride: number, b: number, bStride: number, acc: number, accStride: number, slabs: number, rows: number, m: number, n: number): void;
  winogradFilterTransform(g: number, u: number, pairs: number): void;
  winogradFilterGradient(du: number, dg: number, pairs: number): void;
  addToFloat64(src: number, dst: number, count: number): void;
  float64ToFloat32(src: number, dst: number, count: number): void;
  im2colSingleChannel(src: number, dst: number, n: number, h: number, w: number, fh: number, fw: number, ho: number, wo: number, sh: number, sw: number, top: number, left: number, columns: number): void;
  winogradInputTiles(x: number, slabs: number, slabBytes: number, h: number, w: number, c: number, tilesH: number, tilesW: number, top: number, left: number, first: number, count: number): void;
  winogradOutputTiles(y: number, slabs: number, slabBytes: number, h: number, w: number, c: number, tilesH: number, tilesW: number, top: number, left: number, first: number, count: number): void;
  winogradGradTiles(dy: number, slabs: number, slabBytes: number, h: number, w: number, c: number, tilesH: number, tilesW: number, top: number, left: number, first: number, count: number): void;
}

/** The slice of the WebAssembly JS API used here (the package compiles without the DOM library's types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

interface HeapModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  asm?: { memory?: unknown };
}

let compiled: object | null | undefined;
const bound = new WeakMap<BackendWasm, SimdKernels | null>();

function compile(): object | null {
  if (compiled === undefined) {
    try {
      if (wasmApi == null) throw new Error('no WebAssembly');
      compiled = new wasmApi.Module(Uint8Array.from(atob(SIMD_KERNELS_WASM_BASE64), (ch) => ch.charCodeAt(0)));
    } catch {
      compiled = null; // no WebAssembly SIMD here
    }
  }
  return compiled;
}

/**
 * The kernels bound to `backend`, or null without WebAssembly SIMD — or when any of `vectorAxes` (the lengths the
 * caller's kernel walks in f32x4 steps, e.g. its channel count) is not a positive multiple of 4.
 */
export function simdKernelsFor(backend: BackendWasm, ...vectorAxes: number[]): SimdKernels | null {
  if (!vectorAxes.every((n) => n > 0 && n % 4 === 0)) return null;
  if (!bound.has(backend)) {
    const module = compile();
    const heap = backend.wasm as unknown as HeapModule;
    const memory = heap.asm?.memory;
    let kernels: SimdKernels | null = null;
    if (module != null && wasmApi != null && memory instanceof wasmApi.Memory && typeof heap._malloc === 'function') {
      const instance = new wasmApi.Instance(module, { env: { memory } });
      kernels = new SimdKernels(backend, heap, memory, instance.exports as unknown as SimdExports);
    }
    bound.set(backend, kernels);
  }
  return bound.get(backend) ?? null;
}

export class SimdKernels {
  private scratch = 0;
  private scratchBytes = 0;

  constructor(
    private readonly backend: BackendWasm,
    private readonly heap: HeapModule,
    private readonly memory: WasmMemory,
    private readonly fns: SimdExports,
  ) {}

  pointer(info: TensorInfo): number {
    return this.backend.dataIdMap.get(info.dataId)!.memoryOffset;
  }

  /** A scratch block of `floats` float32 values (reused; valid until the next call). Returns its byte offset. */
  private reserve(floats: number): number {
    const bytes = floats * 4;
    if (bytes > this.scratchBytes) {
      if (this.scratch !== 0) this.heap._free(this.scratch);
      this.scratchBytes = Math.max(bytes, 4096);
      this.scratch = this.allocate(this.scratchBytes);
    }
    return this.scratch;
  }

  /** A fresh float32 view of heap memory at a byte offset (the heap's buffer changes when it grows). */
  floatsAt(pointer: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, pointer, length);
  }

  /**
   * Runs an accumulating kernel over `rows` rows in blocks: `call(firstRow, blockRows, accPointer)` adds the block
   * into `width` float32 accumulators, which are folded into the float64 result after each block.
   * `inputs` are staged ahead of the accumulators and passed as their byte offset.
   */
  private accumulate(rows: number, width: number, inputs: Float32Array[], call: (first: number, count: number, acc: number, staged: number) => void): Float64Array {
    const staged = inputs.reduce((s, v) => s + v.length, 0);
    const base = this.reserve(staged + width);
    let at = 0;
    for (const v of inputs) {
      this.floatsAt(base + at * 4, v.length).set(v);
      at += v.length;
    }
    const accPointer = base + staged * 4;
    const total = new Float64Array(width);
    for (let first = 0; first < rows; first += ROWS_PER_BLOCK) {
      const count = Math.min(ROWS_PER_BLOCK, rows - first);
      const acc = this.floatsAt(accPointer, width);
      acc.fill(0);
      call(first, count, accPointer, base);
      const sums = this.floatsAt(accPointer, width);
      for (let i = 0; i < width; i++) total[i] += sums[i];
    }
    return total;
  }

  /** Σ over rows, per channel. */
  sumRows(x: TensorInfo, rows: number, c: number): Float64Array {
    const px = this.pointer(x);
    return this.accumulate(rows, c, [], (first, count, acc) => this.fns.sumRows(px + first * c * 4, count, c, acc));
  }

  /** Σ (x − mean)² over rows, per channel. */
  centredSquares(x: TensorInfo, rows: number, c: number, mean: Float32Array): Float64Array {
    const px = this.pointer(x);
    return this.accumulate(rows, c, [mean], (first, count, acc, staged) => this.fns.centredSquares(px + first * c * 4, count, c, staged, acc));
  }

  /** y = x·a + b per channel, then max(·, 0) when relu. */
  batchNormForward(x: TensorInfo, y: TensorInfo, rows: number, c: number, a: Float32Array, b: Float32Array, relu: boolean): void {
    const staged = this.reserve(2 * c);
    this.floatsAt(staged, c).set(a);
    this.floatsAt(staged + 4 * c, c).set(b);
    this.fns.batchNormForward(this.pointer(x), this.pointer(y), rows, c, staged, staged + 4 * c, relu ? 0 : -Infinity);
  }

  /** [Σg, Σg·(x − mean)] per channel, g = dy masked by y > 0 when relu. */
  batchNormGradSums(dy: TensorInfo, x: TensorInfo, y: TensorInfo, rows: number, c: number, mean: Float32Array, relu: boolean): Float64Array {
    const [pdy, px, py] = [this.pointer(dy), this.pointer(x), this.pointer(y)];
    const flag = relu ? 1 : 0;
    return this.accumulate(rows, 2 * c, [mean], (first, count, acc, staged) => {
      const off = first * c * 4;
      this.fns.batchNormGradSums(pdy + off, px + off, py + off, count, c, staged, acc, acc + 4 * c, flag);
    });
  }

  /** dx = p·g + q·x + s per channel, g as in batchNormGradSums. */
  batchNormGradInput(dy: TensorInfo, x: TensorInfo, y: TensorInfo, dx: TensorInfo, rows: number, c: number, p: Float32Array, q: Float32Array, s: Float32Array, relu: boolean): void {
    const staged = this.reserve(3 * c);
    this.floatsAt(staged, c).set(p);
    this.floatsAt(staged + 4 * c, c).set(q);
    this.floatsAt(staged + 8 * c, c).set(s);
    this.fns.batchNormGradInput(this.pointer(dy), this.pointer(x), this.pointer(y), this.pointer(dx), rows, c, staged, relu ? 1 : 0);
  }

  /** MaxPool 2×2 / stride 2 / no padding gradient into a zeroed dx. */
  maxPool2x2Grad(x: TensorInfo, dy: TensorInfo, dx: TensorInfo, n: number, h: number, w: number, c: number, ho: number, wo: number): void {
    this.fns.maxPool2x2Grad(this.pointer(x), this.pointer(dy), this.pointer(dx), n, h, w, c, ho, wo);
  }

  /**
   * Aᵀ·B = Σ_r a[r, i]·b[r, j] for a [rows, m], b [rows, n] (n a multiple of 4), in float64: the filter gradient's
   * reduction over output positions. Register-blocked (`gramAccumulate`) when m is a multiple of 4 and n of 8;
   * otherwise the row-by-row outer-product kernel (`filterGradOuter`, any m — e.g. the 9 taps of a one-channel
   * im2col matrix).
   */
  gram(a: TensorInfo, b: TensorInfo, rows: number, m: number, n: number): Float64Array {
    const [pa, pb] = [this.pointer(a), this.pointer(b)];
    const kernel = m % 4 === 0 && n % 8 === 0 ? this.fns.gramAccumulate : this.fns.filterGradOuter;
    return this.accumulate(rows, m * n, [], (first, count, acc) => kernel(pa + first * m * 4, pb + first * n * 4, count, m, n, acc));
  }

  /** dst[j, p, i] = src[i, p, j] for src [n, x, c], n and c multiples of 4. */
  transposeOuterInner(src: TensorInfo, dst: TensorInfo, n: number, x: number, c: number): void {
    this.fns.transposeOuterInner(this.pointer(src), this.pointer(dst), n, x, c);
  }

  /**
   * im2colᵀ of xT [ci, h, w, n] into dst [fh·fw·ci, ho·wo·n]: row (ky, kx, c), position (oy, ox) holds the n values
   * xT[c, oy·sh + ky − top, ox·sw + kx − left, :], zeros in the padding.
   */
  im2colTransposed(xT: TensorInfo, dst: TensorInfo, geometry: { ci: number; h: number; w: number; n: number; fh: number; fw: number; ho: number; wo: number; sh: number; sw: number; top: number; left: number }): void {
    const g = geometry;
    this.fns.im2colTransposed(this.pointer(xT), this.pointer(dst), g.ci, g.h, g.w, g.n, g.fh, g.fw, g.ho, g.wo, g.sh, g.sw, g.top, g.left);
  }

  /**
   * im2col of a one-channel batch x [n, h, w, 1] into dst [n·ho·wo, columns]: the fh·fw pixels under the filter at
   * each output position (0 in the padding), then zeros up to `columns` (≥ fh·fw).
   */
  im2colSingleChannel(x: TensorInfo, dst: TensorInfo, geometry: { n: number; h: number; w: number; fh: number; fw: number; ho: number; wo: number; sh: number; sw: number; top: number; left: number }, columns: number): void {
    const g = geometry;
    this.fns.im2colSingleChannel(this.pointer(x), this.pointer(dst), g.n, g.h, g.w, g.fh, g.fw, g.ho, g.wo, g.sh, g.sw, g.top, g.left, columns);
  }

  /**
   * A block of `bytes` on the backend's heap, not a tensor: the caller frees it (`free`). Returns its offset, read
   * unsigned (malloc returns a signed int above 2 GiB); a failed allocation is refused.
   */
  allocate(bytes: number): number {
    const pointer = this.heap._malloc(bytes) >>> 0;
    if (pointer === 0) throw new Error(`the wasm heap could not allocate ${bytes} bytes`);
    return pointer;
  }

  free(pointer: number): void {
    this.heap._free(pointer);
  }

  /**
   * c_ξ = a_ξ·b_ξ for 16 slabs: a [rows, k], b [k, n], c [rows, n], slab ξ of each at ξ·(its group's slab bytes)
   * from the group's offset; rows a multiple of 4, n of 8.
   */
  matMulSlabs(a: SlabGroup, b: SlabGroup, c: SlabGroup, rows: number, k: number, n: number): void {
    this.fns.matMulSlabs(a.at, a.slabBytes, b.at, b.slabBytes, c.at, c.slabBytes, 16, rows, k, n);
  }

  /** acc_ξ[i, j] += Σ_r a_ξ[r, i]·b_ξ[r, j] in float32 for 16 slabs: a [rows, m], b [rows, n]; m a multiple of 4, n of 8. */
  gramSlabs(a: SlabGroup, b: SlabGroup, acc: SlabGroup, rows: number, m: number, n: number): void {
    this.fns.gramSlabs(a.at, a.slabBytes, b.at, b.slabBytes, acc.at, acc.slabBytes, 16, rows, m, n);
  }

  /** U = G·g·Gᵀ of a [3, 3, pairs] filter at `g` into 16 planes [pairs] at `u` (pairs a multiple of 4). */
  winogradFilterTransform(g: number, u: number, pairs: number): void {
    this.fns.winogradFilterTransform(g, u, pairs);
  }

  /** ∂g = Gᵀ·∂U·G: 16 planes [pairs] at `du` back to a [3, 3, pairs] gradient at `dg`. */
  winogradFilterGradient(du: number, dg: number, pairs: number): void {
    this.fns.winogradFilterGradient(du, dg, pairs);
  }

  /** dst (float64) += src (float32), then src = 0; count a multiple of 4. */
  addToFloat64(src: number, dst: number, count: number): void {
    this.fns.addToFloat64(src, dst, count);
  }

  /** dst (float32) = src (float64); count a multiple of 4. */
  float64ToFloat32(src: number, dst: number, count: number): void {
    this.fns.float64ToFloat32(src, dst, count);
  }

  /**
   * Winograd F(2×2, 3×3) input transform of tiles first … first + count − 1 of x (the map `map` describes; zeros
   * outside it) into the 16 slabs of `v` [count, c] (V = Bᵀ·d·B per 4×4 window).
   */
  winogradInputTiles(x: TensorInfo, v: SlabGroup, map: WinogradMap, first: number, count: number): void {
    this.fns.winogradInputTiles(this.pointer(x), v.at, v.slabBytes, map.h, map.w, map.c, map.tilesH, map.tilesW, map.top, map.left, first, count);
  }

  /** Winograd output transform: 16 product slabs [count, c] → those tiles' 2×2 outputs in y (Aᵀ·M·A), inside the map only. */
  winogradOutputTiles(m: SlabGroup, y: TensorInfo, map: WinogradMap, first: number, count: number): void {
    this.fns.winogradOutputTiles(this.pointer(y), m.at, m.slabBytes, map.h, map.w, map.c, map.tilesH, map.tilesW, map.top, map.left, first, count);
  }

  /** dy → 16 slabs [count, c], dM = A·dY·Aᵀ per 2×2 tile (zeros past the map's edge). */
  winogradGradTiles(dy: TensorInfo, dm: SlabGroup, map: WinogradMap, first: number, count: number): void {
    this.fns.winogradGradTiles(this.pointer(dy), dm.at, dm.slabBytes, map.h, map.w, map.c, map.tilesH, map.tilesW, map.top, map.left, first, count);
  }
}

/** 16 equal slabs on the heap, slab ξ at `at` + ξ·slabBytes (the 16 components of a Winograd transform). */
export interface SlabGroup {
  at: number;
  slabBytes: number;
}

/**
 * A map [n, h, w, c] as Winograd tiles: tilesH × tilesW per image, tile (ty, tx) from row 2·ty − top and column
 * 2·tx − left (c a multiple of 4).
 */
export interface WinogradMap {
  h: number;
  w: number;
  c: number;
  tilesH: number;
  tilesW: number;
  top: number;
  left: number;
}
