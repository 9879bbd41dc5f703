/**
 * The source of the dot kernels' WebAssembly module (see ./simd-dot-kernel.ts): assembled from named opcodes
 * (WebAssembly core spec §5 binary format; SIMD opcodes after prefix 0xfd) — no toolchain. The runtime ships the
 * resulting bytes (DOT_KERNELS_WASM in ./simd-dot-kernel.ts) rather than this assembler, which would be three times
 * their size in the web bundle; test/approximate-simd-kernel.test.ts checks that they are byte for byte what this
 * file assembles, and prints the new bytes when the two differ. Not exported from the package.
 */

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

const I32 = 0x7f, V128 = 0x7b;
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const tee = (i: number) => [0x22, ...uleb(i)];
const i32Const = (n: number) => [0x41, ...sleb(n)];
const i32Add = [0x6a], i32And = [0x71], i32Shl = [0x74], i32LtU = [0x49], i32Eqz = [0x45];
const block = (body: number[]) => [0x02, 0x40, ...body, 0x0b];
const loop = (body: number[]) => [0x03, 0x40, ...body, 0x0b];
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];
const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
const v128Load = simd(0x00, 4, 0);
const v128Store = simd(0x0b, 4, 0);
const v128Zero = simd(0x0c, ...new Array<number>(16).fill(0));
const f32x4Add = simd(0xe4), f32x4Mul = simd(0xe6);
/** i8x16.shuffle picking four f32 lanes (0–3: first operand, 4–7: second). */
const shuffle = (lanes: number[]) => simd(0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));

/** What differs between the float32 and the int8 kernel; everything else is shared. */
interface KernelSpec {
  /** log2 of the bytes per row element (f32: 2, i8: 0). */
  rowShift: number;
  /** Row bytes consumed per 16-byte query vector (f32: 16, i8: 8). */
  rowStep: number;
  /** Loads a row slice as one v128 (f32: v128.load; i8: v128.load8x8_s, sign-extended to i16x8). */
  load: number[];
  /** acc, row, query → acc: multiply–add (f32x4.mul + f32x4.add; i32x4.dot_i16x8_s + i32x4.add). */
  multiplyAdd: number[];
  /** Lane-wise add of two accumulators (f32x4.add / i32x4.add). */
  add: number[];
  /** Lane 0 of a v128 stored as one 4-byte score (f32x4.extract_lane 0 + f32.store / i32x4… + i32.store). */
  storeLane0: number[];
}

const f32Kernel: KernelSpec = {
  rowShift: 2,
  rowStep: 16,
  load: v128Load,
  multiplyAdd: [...f32x4Mul, ...f32x4Add],
  add: f32x4Add,
  storeLane0: [...simd(0x1f, 0), 0x38, 2, 0],
};
const i8Kernel: KernelSpec = {
  rowShift: 0,
  rowStep: 8,
  load: simd(0x01, 3, 0),
  multiplyAdd: [...simd(0xba), ...simd(0xae)],
  add: simd(0xae),
  storeLane0: [...simd(0x1b, 0), 0x36, 2, 0],
};

/**
 * (func (param $m $rows $dim $q $out i32)) — byte addresses; rows of `dim` elements, the query 16 bytes per step.
 * Four rows per pass: each query vector is loaded once for four multiply–adds into four accumulators, whose lanes
 * are then summed by two shuffle rounds into one v128 of four scores (one store). Remaining rows go one at a time.
 */
function kernelCode(spec: KernelSpec): number[] {
  const { rowShift, rowStep, load, multiplyAdd, add, storeLane0 } = spec;
  // Parameters 0–4, then locals.
  const M = 0, ROWS = 1, DIM = 2, Q = 3, OUT = 4;
  const ROW_BYTES = 5, END4 = 6, END = 7, P = 8, QP = 9, QEND = 10, ROW2 = 11, ROW3 = 12;
  const A0 = 13, A1 = 14, A2 = 15, A3 = 16, QV = 17;
  const accumulate = (acc: number, rowOffset: number[]) => [...get(acc), ...get(P), ...rowOffset, ...load, ...get(QV), ...multiplyAdd, ...set(acc)];
  const advance = (local: number, by: number[]) => [...get(local), ...by, ...i32Add, ...set(local)];
  // [x, y] → [x₀+x₂, x₁+x₃, y₀+y₂, y₁+y₃]
  const pairSums = (x: number, y: number) => [...get(x), ...get(y), ...shuffle([0, 1, 4, 5]), ...get(x), ...get(y), ...shuffle([2, 3, 6, 7]), ...add];
  // The query spans rowBytes · 16 / rowStep bytes (f32: dim·4; i16: dim·2).
  const queryEnd = [...get(Q), ...tee(QP), ...get(ROW_BYTES), ...i32Const(Math.log2(16 / rowStep)), ...i32Shl, ...i32Add, ...set(QEND)];
  const nextQuery = [...get(QP), ...i32Const(16), ...i32Add, ...tee(QP), ...get(QEND), ...i32LtU, ...brIf(0)];
  const body = [
    ...get(DIM), ...i32Const(rowShift), ...i32Shl, ...set(ROW_BYTES),
    ...get(ROW_BYTES), ...get(ROW_BYTES), ...i32Add, ...tee(ROW2), ...get(ROW_BYTES), ...i32Add, ...set(ROW3),
    ...get(OUT), ...get(ROWS), ...i32Const(-4), ...i32And, ...i32Const(2), ...i32Shl, ...i32Add, ...set(END4),
    ...get(OUT), ...get(ROWS), ...i32Const(2), ...i32Shl, ...i32Add, ...set(END),
    // Four rows at a time.
    ...block(loop([
      ...get(OUT), ...get(END4), ...i32LtU, ...i32Eqz, ...brIf(1),
      ...v128Zero, ...tee(A0), ...tee(A1), ...tee(A2), ...set(A3),
      ...get(M), ...set(P), ...queryEnd,
      ...loop([
        ...get(QP), ...v128Load, ...set(QV),
        ...accumulate(A0, []),
        ...accumulate(A1, [...get(ROW_BYTES), ...i32Add]),
        ...accumulate(A2, [...get(ROW2), ...i32Add]),
        ...accumulate(A3, [...get(ROW3), ...i32Add]),
        ...advance(P, i32Const(rowStep)),
        ...nextQuery,
      ]),
      ...get(OUT),
      ...pairSums(A0, A1), ...pairSums(A2, A3), ...set(A1), ...set(A0),
      ...get(A0), ...get(A1), ...shuffle([0, 2, 4, 6]), ...get(A0), ...get(A1), ...shuffle([1, 3, 5, 7]), ...add,
      ...v128Store,
      ...advance(OUT, i32Const(16)),
      ...advance(M, [...get(ROW_BYTES), ...i32Const(2), ...i32Shl]),
      ...br(0),
    ])),
    // The remaining 0–3 rows.
    ...block(loop([
      ...get(OUT), ...get(END), ...i32LtU, ...i32Eqz, ...brIf(1),
      ...v128Zero, ...set(A0),
      ...get(M), ...set(P), ...queryEnd,
      ...loop([
        ...get(QP), ...v128Load, ...set(QV),
        ...accumulate(A0, []),
        ...advance(P, i32Const(rowStep)),
        ...nextQuery,
      ]),
      ...get(OUT),
      ...get(A0), ...get(A0), ...get(A0), ...shuffle([2, 3, 0, 1]), ...add, ...tee(A0),
      ...get(A0), ...get(A0), ...shuffle([1, 0, 3, 2]), ...add,
      ...storeLane0,
      ...advance(OUT, i32Const(4)),
      ...advance(M, get(ROW_BYTES)),
      ...br(0),
    ])),
  ];
  return [...vec([[...uleb(8), I32], [...uleb(5), V128]]), ...body, 0x0b];
}

/** The module: memory imported as e.m, functions dotsF32 and dotsI8 of type (i32 ×5) → (). */
export function assembleDotKernels(): Uint8Array {
  const codes = [kernelCode(f32Kernel), kernelCode(i8Kernel)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])]])), // type 0: (i32 ×5) → ()
    ...section(2, vec([[...name('e'), ...name('m'), 0x02, 0x00, ...uleb(1)]])), // import memory e.m, min 1 page
    ...section(3, vec([[0], [0]])), // functions 0 and 1 have type 0
    ...section(7, vec([[...name('dotsF32'), 0x00, 0], [...name('dotsI8'), 0x00, 1]])),
    ...section(10, vec(codes.map((code) => [...uleb(code.length), ...code]))),
  ]);
}
