import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SiameseError, checkImageHeader, checkImageSize, readImageHeader, readImageSize, sniffImageFormat } from '../src/index.js';

const fixtureDir = join(__dirname, '../../../fixtures/omniglot-eval-mini/Tengwar/character01');

function bytes(...parts: (number[] | string)[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
}
const u16le = (v: number) => [v & 255, v >> 8];
const u16be = (v: number) => [v >> 8, v & 255];
const u32le = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24];
const u32be = (v: number) => [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255];

/** Minimal headers as each format lays them out (enough to be read, not decoded). */
const headers = {
  png: (w: number, h: number) => bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), 'IHDR', u32be(w), u32be(h), [8, 0, 0, 0, 0]),
  gif: (w: number, h: number) => bytes('GIF89a', u16le(w), u16le(h), [0, 0, 0], [0x3b]),
  bmp: (w: number, h: number) => bytes('BM', u32le(0), u32le(0), u32le(54), u32le(40), u32le(w), u32le(-h >>> 0), u16le(1), u16le(24)),
  jpeg: (w: number, h: number) => bytes([0xff, 0xd8, 0xff, 0xe0], u16be(16), 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0], [0xff, 0xc0], u16be(11), [8], u16be(h), u16be(w), [1, 1, 0x11, 0]),
  tiff: (w: number, h: number) => bytes('II', [42, 0], u32le(8), u16le(2), u16le(256), u16le(4), u32le(1), u32le(w), u16le(257), u16le(3), u32le(1), u16le(h), [0, 0], u32le(0)),
  webp: (w: number, h: number) => bytes('RIFF', u32le(30), 'WEBP', 'VP8X', u32le(10), u32le(0), [(w - 1) & 255, ((w - 1) >> 8) & 255, (w - 1) >> 16], [(h - 1) & 255, ((h - 1) >> 8) & 255, (h - 1) >> 16]),
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SiameseError);
    return (e as SiameseError).code;
  }
  return undefined;
}

describe('image headers', () => {
  it('reads real Omniglot PNGs', () => {
    for (const name of readdirSync(fixtureDir).slice(0, 5)) {
      expect(readImageHeader(readFileSync(join(fixtureDir, name)))).toEqual({ format: 'png', width: 105, height: 105, pixels: 11_025 });
    }
  });

  it('reads the size of every format without decoding', () => {
    for (const [format, make] of Object.entries(headers)) {
      expect(readImageHeader(make(300, 200)), format).toEqual({ format, width: 300, height: 200, pixels: 60_000 });
      expect(readImageSize(make(300, 200)), format).toEqual({ format, width: 300, height: 200, pixels: 60_000 });
      expect(sniffImageFormat(make(1, 1))).toBe(format);
    }
  });

  it('states a pixel limit under a megapixel in pixels, larger ones in megapixels', () => {
    const png = headers.png(105, 105);
    for (const check of [checkImageHeader, checkImageSize]) {
      expect(() => check(png, { maxPixels: 100 })).toThrow('PNG image is 105×105 = 11025 pixels, over the limit of 100 (option maxPixels)');
      expect(() => check(headers.png(3000, 2000), { maxPixels: 5_000_000 })).toThrow('PNG image is 3000×2000 = 6.0 megapixels, over the limit of 5.0 (option maxPixels)');
    }
  });

  it("names the caller's formats when the bytes are none it recognises", () => {
    const text = bytes('hello world, not an image');
    expect(() => readImageHeader(text)).toThrow('not a supported image format (expected PNG, JPEG, GIF, BMP, TIFF or WebP)');
    expect(() => checkImageHeader(text, { formats: 'PNG, JPEG, GIF, BMP or TIFF' })).toThrow('not a supported image format (expected PNG, JPEG, GIF, BMP or TIFF)');
    expect(() => checkImageSize(text, { formats: 'PNG or WebP' })).toThrow('(expected PNG or WebP)');
  });

  it('refuses decompression bombs and zero sizes before decoding', () => {
    for (const [format, make] of Object.entries(headers)) {
      const big = format === 'gif' || format === 'jpeg' ? make(65535, 65535) : make(100_000, 100_000);
      expect(codeOf(() => checkImageHeader(big)), format).toBe('IMAGE_TOO_LARGE');
      expect(codeOf(() => checkImageHeader(make(2000, 2000), { maxPixels: 1_000_000 })), format).toBe('IMAGE_TOO_LARGE');
      expect(checkImageHeader(make(1000, 1000), { maxPixels: 1_000_000 })).toMatchObject({ width: 1000 });
      if (format !== 'webp') expect(codeOf(() => checkImageHeader(make(0, 10))), format).toBe('IMAGE_EMPTY');
    }
    expect(codeOf(() => checkImageHeader(new Uint8Array()))).toBe('IMAGE_EMPTY');
  });

  it('counts every GIF frame: a huge frame in a tiny screen is refused before decoding', () => {
    const frame = (w: number, h: number) => [0x2c, ...u16le(0), ...u16le(0), ...u16le(w), ...u16le(h), 0x80, 0, 0, 0, 255, 255, 255, 2, 2, 0x44, 0x01, 0];
    const graphicControl = [0x21, 0xf9, 4, 0, 0, 0, 0, 0];
    const gif = (...frames: number[][]) => bytes('GIF89a', u16le(1), u16le(1), [0, 0, 0], ...frames, [0x3b]);
    const bomb = gif(graphicControl, frame(60000, 60000));
    expect(readImageHeader(bomb)).toEqual({ format: 'gif', width: 1, height: 1, pixels: 3_600_000_000 });
    expect(codeOf(() => checkImageHeader(bomb))).toBe('IMAGE_TOO_LARGE');
    const animated = gif(...Array.from({ length: 30 }, () => frame(1000, 1000)));
    expect(readImageHeader(animated).pixels).toBe(30_000_000);
    expect(codeOf(() => checkImageHeader(animated, { maxPixels: 20_000_000 }))).toBe('IMAGE_TOO_LARGE');
    expect(codeOf(() => readImageHeader(gif([0x99])))).toBe('IMAGE_DECODE');
  });

  it('names unknown formats and survives every truncation of every header', () => {
    expect(codeOf(() => readImageHeader(bytes('hello world, not an image')))).toBe('IMAGE_UNSUPPORTED_FORMAT');
    expect(codeOf(() => readImageHeader(bytes('%PDF-1.7')))).toBe('IMAGE_UNSUPPORTED_FORMAT');
    for (const make of Object.values(headers)) {
      const full = make(64, 48);
      for (let n = 1; n < full.length; n++) {
        const code = codeOf(() => readImageHeader(full.subarray(0, n)));
        // Short prefixes no longer carry the magic bytes; longer ones are truncated headers.
        if (code !== undefined) expect(['IMAGE_DECODE', 'IMAGE_UNSUPPORTED_FORMAT']).toContain(code);
      }
    }
  });

  it('random bytes after a valid signature only ever give typed errors', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    for (const make of Object.values(headers)) {
      const sig = make(10, 10).subarray(0, 8);
      for (let t = 0; t < 200; t++) {
        const buf = new Uint8Array(8 + (t % 64));
        buf.set(sig);
        for (let i = 8; i < buf.length; i++) buf[i] = rnd();
        try {
          checkImageHeader(buf);
        } catch (e) {
          expect(e).toBeInstanceOf(SiameseError);
        }
      }
    }
  });

  it('refuses a BMP whose colour table cannot fit in the file (a decoder would allocate it first)', () => {
    // A full 54-byte BITMAPINFOHEADER, 2×2, 24 bpp, and a 12-byte pixel array; "colours used" at byte 46.
    const bmp = (colorsUsed: number, bpp = 24, tail = 16) =>
      bytes('BM', u32le(54 + tail), u32le(0), u32le(54), u32le(40), u32le(2), u32le(2), u16le(1), u16le(bpp), u32le(0), u32le(tail), u32le(0), u32le(0), u32le(colorsUsed), u32le(0), new Array(tail).fill(0));
    expect(readImageHeader(bmp(0))).toMatchObject({ format: 'bmp', width: 2, height: 2 });
    expect(readImageHeader(bmp(4))).toMatchObject({ width: 2 }); // 4 entries = 16 bytes: fits exactly
    expect(codeOf(() => readImageHeader(bmp(33_554_432)))).toBe('IMAGE_DECODE'); // the soak's flipped bit
    expect(() => readImageHeader(bmp(5))).toThrow(/colour table of 5 entries does not fit in the file \(room for 4\)/);
    // 8 bpp with "0 colours used" means a full 256-entry table, which these 16 bytes do not hold.
    expect(codeOf(() => readImageHeader(bmp(0, 8)))).toBe('IMAGE_DECODE');
    expect(readImageHeader(bmp(0, 8, 1024 + 4))).toMatchObject({ format: 'bmp', width: 2 });
  });

  it('refuses a TIFF claiming more samples per pixel than any colour image has', () => {
    // width, height, SamplesPerPixel (277) — SHORT values in the first two bytes of the value field.
    const tiff = (samples: number) =>
      bytes('II', [42, 0], u32le(8), u16le(3), u16le(256), u16le(3), u32le(1), u16le(105), [0, 0], u16le(257), u16le(3), u32le(1), u16le(105), [0, 0], u16le(277), u16le(3), u32le(1), u16le(samples), [0, 0], u32le(0));
    expect(readImageHeader(tiff(4))).toMatchObject({ format: 'tiff', width: 105, height: 105 });
    expect(() => readImageHeader(tiff(16_388))).toThrow(/16388 samples per pixel \(at most 16/);
    expect(codeOf(() => readImageHeader(tiff(16_388)))).toBe('IMAGE_DECODE');
  });
});

