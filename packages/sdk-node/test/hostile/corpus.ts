/**
 * A deterministic generator of hostile image files (no committed corpus): real Omniglot images re-encoded by jimp
 * as PNG/JPEG/GIF/BMP/TIFF, crafted variants (16-bit, gray+alpha, alpha-only, animated GIF, CMYK-claiming JPEG),
 * then truncated and bit-flipped at seeded random points, plus hand-made bombs and lies (headers claiming
 * 100,000 × 100,000 pixels, absurd chunk and palette sizes, TIFF directory loops, zero bytes, wrong extensions).
 *
 * Used by the Node SDK's and the trainer's hostile-input tests. `expect` says what a correct outcome is, where
 * one is known: 'same-as' items must embed exactly like their source image; 'refused' items must end in one of the
 * listed error codes; the rest must end in a typed error or a sane embedding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { Jimp } from 'jimp';
import { mulberry32 as rng } from '@siamese-sdk/core';

export interface HostileItem {
  /** Unique, file-system safe name (without extension). */
  name: string;
  /** Extension the file is written with (sometimes deliberately wrong). */
  ext: string;
  bytes: Uint8Array;
  /** Source image this one must embed identically to. */
  sameAs?: string;
  /** Error codes the item must be refused with (any other outcome fails). */
  refusedWith?: string[];
}

export interface CorpusOptions {
  /** Seeded mutations per source image (truncations + bit flips); default 125 (≈1,000 files in all). */
  mutationsPerSeed?: number;
  seed?: number;
}


const u32be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

function pngChunk(type: string, data: Uint8Array, lengthOverride?: number): number[] {
  const typeBytes = Buffer.from(type, 'latin1');
  const crc = crc32(Buffer.concat([typeBytes, data]));
  return [...u32be(lengthOverride ?? data.length), ...typeBytes, ...data, ...u32be(crc)];
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A PNG from raw scanlines (filter byte 0 prepended here). */
export function craftPng(width: number, height: number, bitDepth: number, colorType: number, rows: Uint8Array[], extra: number[][] = []): Uint8Array {
  const ihdr = new Uint8Array([...u32be(width), ...u32be(height), bitDepth, colorType, 0, 0, 0]);
  const raw = Buffer.concat(rows.map((r) => Buffer.concat([Buffer.from([0]), r])));
  return Uint8Array.from([...PNG_SIGNATURE, ...pngChunk('IHDR', ihdr), ...extra.flat(), ...pngChunk('IDAT', deflateSync(raw)), ...pngChunk('IEND', new Uint8Array())]);
}

interface Gray {
  width: number;
  height: number;
  gray: Uint8Array;
}

async function grayOf(png: Uint8Array): Promise<Gray> {
  const image = await Jimp.fromBuffer(Buffer.from(png));
  const { data, width, height } = image.bitmap;
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) gray[i] = data[i * 4];
  return { width, height, gray };
}

/** The source images: real encodings and exact re-encodings of one Omniglot character. */
async function seeds(sourcePng: Uint8Array): Promise<{ name: string; ext: string; bytes: Uint8Array; sameAs?: string }[]> {
  const image = await Jimp.fromBuffer(Buffer.from(sourcePng));
  const encode = async (mime: string) => new Uint8Array(await image.getBuffer(mime as 'image/png'));
  const { width, height, gray } = await grayOf(sourcePng);
  const rows = (bytesPerPixel: number, f: (v: number) => number[]) =>
    Array.from({ length: height }, (_, y) => Uint8Array.from(Array.from(gray.subarray(y * width, (y + 1) * width)).flatMap(f)).subarray(0, width * bytesPerPixel));
  const png16 = craftPng(width, height, 16, 0, rows(2, (v) => [v, v]));
  const grayAlpha = craftPng(width, height, 8, 4, rows(2, (v) => [v, 255]));
  // Alpha-only: every pixel black, the ink lives in the alpha channel; over the white background it is the glyph.
  const alphaOnly = craftPng(width, height, 8, 4, rows(2, (v) => [0, 255 - v]));
  const rgba16 = craftPng(width, height, 16, 6, rows(8, (v) => [v, v, v, v, v, v, 255, 255]));
  const gif = await encode('image/gif');
  return [
    { name: 'png', ext: 'png', bytes: sourcePng },
    { name: 'png-rgba', ext: 'png', bytes: await encode('image/png'), sameAs: 'png' },
    { name: 'jpeg', ext: 'jpg', bytes: await encode('image/jpeg') },
    { name: 'gif', ext: 'gif', bytes: gif, sameAs: 'png' },
    { name: 'bmp', ext: 'bmp', bytes: await encode('image/bmp'), sameAs: 'png' },
    { name: 'tiff', ext: 'tiff', bytes: await encode('image/tiff'), sameAs: 'png' },
    { name: 'png16', ext: 'png', bytes: png16, sameAs: 'png' },
    { name: 'png-gray-alpha', ext: 'png', bytes: grayAlpha, sameAs: 'png' },
    { name: 'png-alpha-only', ext: 'png', bytes: alphaOnly, sameAs: 'png' },
    { name: 'png-rgba16', ext: 'png', bytes: rgba16, sameAs: 'png' },
    { name: 'gif-animated', ext: 'gif', bytes: animateGif(gif, 4) },
  ];
}

/** Repeats a GIF's frame blocks `frames` times (an animated GIF; decoders read the first frame or all). */
export function animateGif(gif: Uint8Array, frames: number): Uint8Array {
  const packed = gif[10];
  const start = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  const end = gif[gif.length - 1] === 0x3b ? gif.length - 1 : gif.length;
  const body = gif.subarray(start, end);
  return Uint8Array.from([...gif.subarray(0, start), ...Array.from({ length: frames }, () => [...body]).flat(), 0x3b]);
}

const TOO_LARGE = ['IMAGE_TOO_LARGE'];
const BROKEN = ['IMAGE_DECODE', 'IMAGE_UNSUPPORTED_FORMAT', 'IMAGE_EMPTY', 'IMAGE_TOO_LARGE'];

/** Hand-made lies and bombs: each must be refused with the listed codes (from the header, before decoding). */
function crafted(src: Record<string, Uint8Array>): HostileItem[] {
  const items: HostileItem[] = [];
  const add = (name: string, ext: string, bytes: Uint8Array | number[], refusedWith?: string[], sameAs?: string) =>
    items.push({ name: `crafted-${name}`, ext, bytes: Uint8Array.from(bytes), refusedWith, sameAs });
  const ihdr = (w: number, h: number, depth = 8, type = 0) => pngChunk('IHDR', new Uint8Array([...u32be(w), ...u32be(h), depth, type, 0, 0, 0]));
  // A real decompression bomb: 100,000 × 100,000 gray, IDAT = 1 MB of zero scanline bytes compressed to ~1 kB.
  const bombIdat = deflateSync(Buffer.alloc(1 << 20));
  add('png-100k-bomb', 'png', [...PNG_SIGNATURE, ...ihdr(100_000, 100_000), ...pngChunk('IDAT', bombIdat), ...pngChunk('IEND', new Uint8Array())], TOO_LARGE);
  add('png-100k-rgba16', 'png', [...PNG_SIGNATURE, ...ihdr(100_000, 100_000, 16, 6), ...pngChunk('IEND', new Uint8Array())], TOO_LARGE);
  add('png-1x2e9', 'png', [...PNG_SIGNATURE, ...ihdr(1, 2_000_000_000), ...pngChunk('IDAT', bombIdat)], TOO_LARGE);
  add('png-zero-width', 'png', [...PNG_SIGNATURE, ...ihdr(0, 105), ...pngChunk('IEND', new Uint8Array())], ['IMAGE_EMPTY']);
  const png = src.png;
  const afterIhdr = 8 + 25;
  add('png-plte-2gb', 'png', [...png.subarray(0, afterIhdr), ...pngChunk('PLTE', new Uint8Array(6), 0x7fffffff), ...png.subarray(afterIhdr)], BROKEN);
  add('png-text-4gb', 'png', [...png.subarray(0, afterIhdr), ...pngChunk('tEXt', new Uint8Array(8), 0xfffffff0), ...png.subarray(afterIhdr)], BROKEN);
  add('png-palette-oversized', 'png', craftPng(8, 8, 1, 3, Array.from({ length: 8 }, () => new Uint8Array(1)), [pngChunk('PLTE', new Uint8Array(3 * 300))]));
  add('png-palette-missing', 'png', craftPng(8, 8, 8, 3, Array.from({ length: 8 }, () => new Uint8Array(8).fill(200))), BROKEN);
  add('png-1000-empty-idat', 'png', [...png.subarray(0, afterIhdr), ...Array.from({ length: 1000 }, () => pngChunk('IDAT', new Uint8Array())).flat(), ...png.subarray(afterIhdr)]);
  add('png-no-iend', 'png', png.subarray(0, png.length - 12));
  // JPEG: the first SOF rewritten to 65,500 × 65,500 (4.3 gigapixels), and to 4 components (a CMYK-claiming header).
  const jpeg = src.jpeg;
  const sof = findJpegSof(jpeg);
  const bigJpeg = Uint8Array.from(jpeg);
  bigJpeg.set([0xff, 0xdc, 0xff, 0xdc], sof + 3);
  add('jpeg-65500-square', 'jpg', bigJpeg, TOO_LARGE);
  const cmyk = Uint8Array.from(jpeg);
  cmyk[sof + 7] = 4;
  add('jpeg-cmyk-header', 'jpg', cmyk);
  add('jpeg-soi-only', 'jpg', [0xff, 0xd8, 0xff], BROKEN);
  add('jpeg-segment-loop', 'jpg', [0xff, 0xd8, ...Array.from({ length: 5000 }, () => [0xff, 0xfe, 0x00, 0x02]).flat()], BROKEN);
  // GIF: a 65,535² screen, and a 1 × 1 screen holding a 65,535² frame.
  const gif = src.gif;
  const bigScreen = Uint8Array.from(gif);
  bigScreen.set([0xff, 0xff, 0xff, 0xff], 6);
  add('gif-65535-screen', 'gif', bigScreen, TOO_LARGE);
  add('gif-huge-frame', 'gif', [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 2, 2, 0x4c, 0x01, 0, 0x3b], TOO_LARGE);
  add('gif-20000-frames', 'gif', [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0, ...Array.from({ length: 20_000 }, () => [0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4c, 0x01, 0]).flat(), 0x3b], TOO_LARGE);
  // BMP: 100,000² (positive and top-down), and a palette that claims 4 billion colours.
  const bmp = src.bmp;
  const bmpSized = (w: number, h: number) => {
    const b = Uint8Array.from(bmp);
    new DataView(b.buffer).setInt32(18, w, true);
    new DataView(b.buffer).setInt32(22, h, true);
    return b;
  };
  add('bmp-100k', 'bmp', bmpSized(100_000, 100_000), TOO_LARGE);
  add('bmp-100k-topdown', 'bmp', bmpSized(100_000, -100_000), TOO_LARGE);
  add('bmp-int-min-height', 'bmp', bmpSized(105, -2147483648), TOO_LARGE);
  const palette = Uint8Array.from(bmp);
  new DataView(palette.buffer).setUint32(46, 0xffffffff, true);
  add('bmp-palette-4g', 'bmp', palette);
  const bpp = Uint8Array.from(bmp);
  new DataView(bpp.buffer).setUint16(28, 7, true);
  add('bmp-7-bits-per-pixel', 'bmp', bpp, BROKEN);
  // TIFF: 100,000² in the tags, and an image directory that points at itself.
  add('tiff-100k', 'tiff', tiff(100_000, 100_000, 8), TOO_LARGE);
  add('tiff-ifd-loop', 'tiff', tiff(8, 8, 8, true));
  add('tiff-strip-past-end', 'tiff', tiff(8, 8, 0x7ffffff0));
  // Empty, junk and lying names.
  add('zero-bytes', 'png', [], ['IMAGE_EMPTY']);
  add('zero-bytes-jpg', 'jpg', [], ['IMAGE_EMPTY']);
  add('text-as-png', 'png', Buffer.from('this is not an image\n'), ['IMAGE_UNSUPPORTED_FORMAT']);
  add('html-as-jpg', 'jpg', Buffer.from('<!doctype html><title>404</title>'), ['IMAGE_UNSUPPORTED_FORMAT']);
  add('png-named-jpg', 'jpg', png, undefined, 'png');
  add('gif-named-png', 'png', gif, undefined, 'png');
  add('bmp-named-tiff', 'tiff', bmp, undefined, 'png');
  add('jpeg-named-gif', 'gif', jpeg);
  return items;
}

function findJpegSof(jpeg: Uint8Array): number {
  for (let o = 2; o < jpeg.length - 1; ) {
    const marker = jpeg[o + 1];
    if (marker >= 0xc0 && marker <= 0xc2) return o + 2; // the segment's length field
    o += 2 + ((jpeg[o + 2] << 8) | jpeg[o + 3]);
  }
  throw new Error('test setup: no SOF in the JPEG seed');
}

/** A little-endian gray TIFF with one strip at `stripOffset`; `loop` makes the directory's next-IFD offset point at itself. */
function tiff(width: number, height: number, stripOffset: number, loop = false): Uint8Array {
  const entries: [number, number, number, number][] = [
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, 1, 8],
    [259, 3, 1, 1],
    [262, 3, 1, 1],
    [273, 4, 1, stripOffset],
    [277, 3, 1, 1],
    [278, 4, 1, height],
    [279, 4, 1, Math.min(width * height, 64)], // a bomb's strip is small: only the header lies
  ];
  const ifd = 8 + 64;
  const b = Buffer.alloc(ifd + 2 + entries.length * 12 + 4);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(42, 2);
  b.writeUInt32LE(ifd, 4);
  b.writeUInt16LE(entries.length, ifd);
  entries.forEach(([tag, type, count, value], i) => {
    const o = ifd + 2 + i * 12;
    b.writeUInt16LE(tag, o);
    b.writeUInt16LE(type, o + 2);
    b.writeUInt32LE(count, o + 4);
    if (type === 3) b.writeUInt16LE(value, o + 8);
    else b.writeUInt32LE(value >>> 0, o + 8);
  });
  b.writeUInt32LE(loop ? ifd : 0, ifd + 2 + entries.length * 12);
  return new Uint8Array(b);
}

/** Seeded truncations (at any byte) and bit flips (1–8 bits, biased towards the header where parsers live). */
function mutations(name: string, ext: string, bytes: Uint8Array, count: number, random: () => number): HostileItem[] {
  const items: HostileItem[] = [];
  const truncations = Math.round(count * 0.25);
  for (let i = 0; i < truncations; i++) {
    const at = Math.floor(random() * bytes.length);
    items.push({ name: `${name}-trunc-${i}-at${at}`, ext, bytes: bytes.slice(0, at) });
  }
  for (let i = truncations; i < count; i++) {
    const copy = Uint8Array.from(bytes);
    const flips = 1 + Math.floor(random() * 8);
    const span = random() < 0.5 ? Math.min(bytes.length, 256) : bytes.length;
    for (let f = 0; f < flips; f++) copy[Math.floor(random() * span)] ^= 1 << Math.floor(random() * 8);
    items.push({ name: `${name}-flip-${i}`, ext, bytes: copy });
  }
  return items;
}

/** The whole corpus, deterministic for a given seed. Sources first (so 'same-as' references come before use). */
export async function hostileCorpus(sourcePngPath: string, options: CorpusOptions = {}): Promise<HostileItem[]> {
  const perSeed = options.mutationsPerSeed ?? 125;
  const random = rng(options.seed ?? 8);
  const sources = await seeds(new Uint8Array(readFileSync(sourcePngPath)));
  const byName = Object.fromEntries(sources.map((s) => [s.name, s.bytes]));
  const items: HostileItem[] = sources.map((s) => ({ name: `source-${s.name}`, ext: s.ext, bytes: s.bytes, sameAs: s.sameAs ? `source-${s.sameAs}` : undefined }));
  for (const c of crafted(byName)) items.push({ ...c, sameAs: c.sameAs ? `source-${c.sameAs}` : undefined });
  const mutated = ['png', 'png-rgba', 'jpeg', 'gif', 'bmp', 'tiff', 'png16', 'gif-animated'];
  for (const s of sources.filter((x) => mutated.includes(x.name))) items.push(...mutations(s.name, s.ext, s.bytes, perSeed, random));
  return items;
}

export const CORPUS_SOURCE = (repoRoot: string) => join(repoRoot, 'examples', 'queries', 'tengwar-03.png');
