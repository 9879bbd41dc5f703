/**
 * The TIFF LZW check in image-header (a corrupt LZW strip made utif loop forever) must pass valid LZW data: a
 * small TIFF LZW encoder (early code-size change, as libtiff writes it) makes real LZW TIFFs here.
 */
import { describe, expect, it } from 'vitest';
import { readImageHeader } from '../src/index.js';

/** TIFF LZW: clear first, MSB-first codes, the width grows one code early (as the decoder reads it). */
export function lzwEncode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let next = 258;
  const width = () => (next >= 2048 ? 12 : next >= 1024 ? 11 : next >= 512 ? 10 : 9);
  const emit = (code: number, w = width()) => {
    acc = (acc << w) | code;
    bits += w;
    while (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 255);
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  };
  let dict = new Map<string, number>();
  emit(256);
  let w = '';
  for (const byte of data) {
    const wc = w + String.fromCharCode(byte);
    if (w === '' || dict.has(wc)) {
      w = wc;
      continue;
    }
    emit(w.length === 1 ? w.charCodeAt(0) : dict.get(w)!);
    dict.set(wc, next++);
    if (next === 4094) {
      emit(256);
      next = 258;
      dict = new Map();
    }
    w = String.fromCharCode(byte);
  }
  if (w) emit(w.length === 1 ? w.charCodeAt(0) : dict.get(w)!);
  emit(257);
  if (bits > 0) out.push((acc << (8 - bits)) & 255);
  return Uint8Array.from(out);
}

export function lzwTiff(width: number, height: number, pixels: Uint8Array): Uint8Array {
  const strip = lzwEncode(pixels);
  const ifd = 8 + strip.length + (strip.length % 2);
  const entries: [number, number, number][] = [[256, 4, width], [257, 4, height], [258, 3, 8], [259, 3, 5], [262, 3, 1], [273, 4, 8], [277, 3, 1], [278, 4, height], [279, 4, strip.length]];
  const b = Buffer.alloc(ifd + 2 + entries.length * 12 + 4);
  b.write('II*\0', 0, 'latin1');
  b.writeUInt32LE(ifd, 4);
  b.set(strip, 8);
  b.writeUInt16LE(entries.length, ifd);
  entries.forEach(([tag, type, v], i) => {
    b.writeUInt16LE(tag, ifd + 2 + i * 12);
    b.writeUInt16LE(type, ifd + 4 + i * 12);
    b.writeUInt32LE(1, ifd + 6 + i * 12);
    if (type === 3) b.writeUInt16LE(v, ifd + 10 + i * 12);
    else b.writeUInt32LE(v, ifd + 10 + i * 12);
  });
  return new Uint8Array(b);
}

describe('TIFF LZW check', () => {
  it('passes valid LZW strips of every code width (9–12 bits, with table resets)', () => {
    for (const [w, h, seed] of [[8, 8, 1], [64, 64, 2], [200, 150, 3], [256, 256, 4]]) {
      let s = seed;
      // Noise with runs: many distinct strings, so the table fills and resets.
      const pixels = Uint8Array.from({ length: w * h }, (_, i) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 29) * 30 + (i % 7));
      expect(readImageHeader(lzwTiff(w, h, pixels)), `${w}×${h}`).toMatchObject({ format: 'tiff', width: w, height: h });
    }
  });

  it('refuses a strip with a code ahead of the table, and strips past the end of the file', () => {
    const good = lzwTiff(8, 8, new Uint8Array(64).fill(9));
    const bad = Uint8Array.from(good);
    bad.set([0x7f, 0xff], 9); // the code after the clear code becomes 511, a string that cannot exist yet
    expect(() => readImageHeader(bad)).toThrowError(/LZW code \d+ before table entry/);
    const past = Uint8Array.from(good);
    new DataView(past.buffer).setUint32(past.length - 4 - 12 + 8, 1_000_000, true); // StripByteCounts
    expect(() => readImageHeader(past)).toThrowError(/past the end of the file/);
  });
});
