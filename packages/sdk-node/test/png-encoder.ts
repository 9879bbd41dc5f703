/**
 * A small PNG encoder for tests: every colour type and bit depth, PLTE/tRNS, Adam7 interlacing, a chosen filter per
 * row, IDAT split across chunks, extra chunks. pngjs (jimp's encoder) writes only 8/16-bit non-palette,
 * non-interlaced files, so the fast decoder's test images are written by hand here. CRCs come from node:zlib.
 */
import { crc32, deflateSync } from 'node:zlib';

export type ColorType = 0 | 2 | 3 | 4 | 6;

export const SAMPLES: Record<ColorType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
export const DEPTHS: Record<ColorType, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export interface PngSpec {
  width: number;
  height: number;
  colorType: ColorType;
  bitDepth: number;
  /** Raw sample values (palette indices for colour type 3), row-major, SAMPLES[colorType] per pixel. */
  samples: ArrayLike<number>;
  /** RGB triples. */
  palette?: number[];
  /** The raw tRNS chunk bytes. */
  trns?: number[];
  interlace?: boolean;
  /** Row filters, used in turn (default 0, 1, 2, 3, 4). */
  filters?: number[];
  /** Split the zlib stream into IDAT chunks of at most this many bytes. */
  idatSize?: number;
  /** Extra chunks, written before the first IDAT. */
  extra?: { type: string; data: number[] }[];
  /** Raw bytes appended to the zlib stream's input (surplus image data). */
  surplus?: number;
  /** Rewrites the zlib stream (to damage it). */
  zlib?: (stream: Buffer) => Buffer;
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

export function chunk(type: string, data: Uint8Array | number[]): Buffer {
  const b = Buffer.alloc(12 + data.length);
  b.writeUInt32BE(data.length, 0);
  b.write(type, 4, 'latin1');
  Buffer.from(data).copy(b, 8);
  b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
  return b;
}

function packRow(values: number[], depth: number): number[] {
  if (depth === 8) return values;
  if (depth === 16) return values.flatMap((v) => [v >> 8, v & 255]);
  const out: number[] = [];
  const perByte = 8 / depth;
  for (let i = 0; i < values.length; i += perByte) {
    let byte = 0;
    for (let k = 0; k < perByte; k++) byte |= (values[i + k] ?? 0) << (8 - depth * (k + 1));
    out.push(byte);
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const pa = Math.abs(b - c);
  const pb = Math.abs(a - c);
  const pc = Math.abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function filterRow(row: number[], prev: number[] | undefined, filter: number, bpp: number): number[] {
  return [
    filter,
    ...row.map((v, x) => {
      const a = x >= bpp ? row[x - bpp] : 0;
      const b = prev ? prev[x] : 0;
      const c = x >= bpp && prev ? prev[x - bpp] : 0;
      const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      return (v - predicted) & 255;
    }),
  ];
}

/** The filtered scanlines of one (sub-)image. */
function scanlines(spec: PngSpec, xs: number[], ys: number[], filterStart: number): number[] {
  const samples = SAMPLES[spec.colorType];
  const bpp = Math.max(1, (samples * spec.bitDepth) >> 3);
  const filters = spec.filters ?? [0, 1, 2, 3, 4];
  const out: number[] = [];
  let prev: number[] | undefined;
  ys.forEach((y, r) => {
    const values = xs.flatMap((x) => Array.from({ length: samples }, (_, k) => spec.samples[(y * spec.width + x) * samples + k]));
    const row = packRow(values, spec.bitDepth);
    out.push(...filterRow(row, prev, filters[(filterStart + r) % filters.length], bpp));
    prev = row;
  });
  return out;
}

const range = (start: number, end: number, step = 1): number[] => Array.from({ length: Math.max(0, Math.ceil((end - start) / step)) }, (_, i) => start + i * step);

export function encodePng(spec: PngSpec): Buffer {
  const { width, height } = spec;
  let raw: number[];
  if (spec.interlace) {
    raw = ADAM7.flatMap(([x0, y0, dx, dy], pass) => {
      const xs = range(x0, width, dx);
      const ys = range(y0, height, dy);
      return xs.length && ys.length ? scanlines(spec, xs, ys, pass) : [];
    });
  } else {
    raw = scanlines(spec, range(0, width), range(0, height), 0);
  }
  if (spec.surplus) raw.push(...new Array<number>(spec.surplus).fill(0));
  const z = (spec.zlib ?? ((s: Buffer) => s))(deflateSync(Buffer.from(raw)));
  const size = spec.idatSize ?? z.length;
  const idat: Buffer[] = [];
  for (let o = 0; o < z.length; o += size) idat.push(chunk('IDAT', z.subarray(o, o + size)));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = spec.bitDepth;
  ihdr[9] = spec.colorType;
  ihdr[12] = spec.interlace ? 1 : 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(spec.extra ?? []).map((e) => chunk(e.type, e.data)),
    ...(spec.palette ? [chunk('PLTE', spec.palette)] : []),
    ...(spec.trns ? [chunk('tRNS', spec.trns)] : []),
    ...idat,
    chunk('IEND', []),
  ]);
}

