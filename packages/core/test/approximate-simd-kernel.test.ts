import { describe, expect, it } from 'vitest';
import { DOT_KERNELS_WASM, createDotArena } from '../src/simd-dot-kernel.js';
import { assembleDotKernels } from '../src/simd-dot-kernel-source.js';

/** Seeded values in [-1, 1). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1);
}

describe('dot kernels of the approximate index (assembled WebAssembly SIMD vs JavaScript)', () => {
  // Row counts cover every tail (0–3 rows after the blocks of four) and dims the float32 (×4) and int8 (×8) loads.
  const cases = [
    { dim: 8, rows: 1 }, { dim: 8, rows: 4 }, { dim: 16, rows: 7 }, { dim: 64, rows: 130 }, { dim: 128, rows: 37 },
  ];

  for (const { dim, rows } of cases) {
    it(`float32 and int8 dots of ${rows} rows × ${dim} dims match a direct computation in both kernels`, () => {
      const values = seeded(rows * dim, dim * 1000 + rows);
      const query = seeded(dim, 7 + dim);
      const codes = Int8Array.from(values, (v) => Math.round(v * 127));
      const query16 = Int16Array.from(query, (v) => Math.round(v * 32767));
      for (const preferSimd of [true, false]) {
        const arena = createDotArena(rows * dim * 5 + dim * 6 + rows * 8 + 16 * 6, dim, preferSimd);
        expect(arena.simd).toBe(preferSimd);
        // An odd offset within the arena, so that the kernels are not only tested at address 0.
        arena.alloc(16);
        const m = arena.alloc(4 * rows * dim), q = arena.alloc(4 * dim), out = arena.alloc(4 * rows);
        const m8 = arena.alloc(rows * dim), q16 = arena.alloc(2 * dim), out8 = arena.alloc(4 * rows);
        arena.f32.set(values, m >> 2);
        arena.f32.set(query, q >> 2);
        arena.i8.set(codes, m8);
        arena.i16.set(query16, q16 >> 1);
        arena.i32.fill(-1, out8 >> 2, (out8 >> 2) + rows);
        arena.dotsF32(m, rows, dim, q, out);
        arena.dotsI8(m8, rows, dim, q16, out8);
        for (let r = 0; r < rows; r++) {
          let exact = 0, integer = 0;
          for (let d = 0; d < dim; d++) {
            exact += values[r * dim + d] * query[d];
            integer += codes[r * dim + d] * query16[d];
          }
          expect(arena.f32[(out >> 2) + r]).toBeCloseTo(exact, 5);
          expect(arena.i32[(out8 >> 2) + r]).toBe(integer);
        }
      }
    });
  }

  it('falls back to JavaScript for dims the SIMD loads cannot cover, and refuses to overfill an arena', () => {
    expect(createDotArena(1024, 12).simd).toBe(false);
    const arena = createDotArena(64, 8);
    arena.alloc(48);
    expect(() => arena.alloc(32)).toThrow(RangeError);
  });

  it('ships exactly the module its assembler builds (on a mismatch, paste the printed base64 into DOT_KERNELS_WASM)', () => {
    const assembled = Buffer.from(assembleDotKernels()).toString('base64');
    expect(DOT_KERNELS_WASM, `DOT_KERNELS_WASM is stale; the assembler gives:\n${assembled}`).toBe(assembled);
  });
});
