import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isSiameseError } from '@siamese-sdk/core';
import { decodePng } from '../../src/data/png-decoder.js';
import { decodeImageBytes, decodeWithJimp } from '../../src/data/decode-image.js';
import { FIXTURE_DIR } from '../helpers.js';

function fixturePngs(count: number): string[] {
  const dir = join(FIXTURE_DIR, 'Tengwar', 'character01');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .slice(0, count)
    .map((f) => join(dir, f));
}

/** Builds a PNG by hand (no encoder in the repo): one IHDR, optional PLTE/tRNS, one IDAT, IEND, with CRCs (the
 * decoder checks them, as jimp does). */
function makePng(width: number, height: number, colorType: number, bitDepth: number, rows: number[][], extra: { type: string; data: number[] }[] = []): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const b = Buffer.alloc(12 + data.length);
    b.writeUInt32BE(data.length, 0);
    b.write(type, 4, 'latin1');
    Buffer.from(data).copy(b, 8);
    b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
    return b;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const raw = Buffer.from(rows.flat());
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra.map((e) => chunk(e.type, Uint8Array.from(e.data))),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

describe('decodePng', () => {
  it('matches jimp pixel for pixel on real Omniglot 1-bit PNGs', async () => {
    for (const file of fixturePngs(10)) {
      const bytes = readFileSync(file);
      const ours = decodePng(bytes);
      const reference = await decodeWithJimp(bytes);
      expect([ours.width, ours.height, ours.channels]).toEqual([105, 105, 1]);
      expect(reference.width).toBe(105);
      let differing = 0;
      let ink = 0;
      for (let i = 0; i < 105 * 105; i++) {
        if (ours.data[i] !== reference.data[4 * i]) differing++;
        if (ours.data[i] === 0) ink++;
      }
      expect(differing).toBe(0);
      // A character has some ink, but most of the page is white.
      expect(ink).toBeGreaterThan(50);
      expect(ink).toBeLessThan(105 * 105 / 2);
    }
  });

  it('undoes all five row filters (8-bit RGB)', () => {
    // 2×5 RGB image; row filters 0..4; filtered bytes chosen by hand, expected pixels computed by hand.
    const rows = [
      [0, 10, 20, 30, 40, 50, 60],
      [1, 1, 2, 3, 4, 4, 4], // Sub: [1,2,3, 5,6,7]
      [2, 1, 1, 1, 1, 1, 1], // Up: previous + 1 = [2,3,4, 6,7,8]
      [3, 2, 2, 2, 2, 2, 2], // Average: x0: 2 + floor((0+2)/2)=3.. per byte
      [4, 0, 0, 0, 0, 0, 0], // Paeth with zero residual: predicts from neighbours
    ];
    const img = decodePng(makePng(2, 5, 2, 8, rows));
    const px = Array.from(img.data);
    expect(px.slice(0, 6)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(px.slice(6, 12)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(px.slice(12, 18)).toEqual([2, 3, 4, 6, 7, 8]);
    // Average: first pixel = 2 + floor(above/2); second = 2 + floor((left + above)/2)
    expect(px.slice(18, 24)).toEqual([3, 3, 4, 2 + ((3 + 6) >> 1), 2 + ((3 + 7) >> 1), 2 + ((4 + 8) >> 1)]);
    // Paeth, residual 0: first pixel takes `above` (left=c=0); second: a=left, b=above, c=upper-left.
    const above = px.slice(18, 24);
    const first = above.slice(0, 3);
    const second = [0, 1, 2].map((k) => {
      const a = first[k], b = above[3 + k], c = above[k];
      const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    });
    expect(px.slice(24, 30)).toEqual([...first, ...second]);
  });

  it('decodes palette images with transparency and 2-bit gray', () => {
    const pal = decodePng(makePng(3, 1, 3, 8, [[0, 0, 1, 2]], [
      { type: 'PLTE', data: [255, 0, 0, 0, 255, 0, 0, 0, 255] },
      { type: 'tRNS', data: [0, 128] },
    ]));
    expect(pal.channels).toBe(4);
    expect(Array.from(pal.data)).toEqual([255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255]);
    // 2-bit gray: samples 0,1,2,3 packed in one byte → 0, 85, 170, 255.
    const gray = decodePng(makePng(4, 1, 0, 2, [[0, 0b00011011]]));
    expect(Array.from(gray.data)).toEqual([0, 85, 170, 255]);
  });

  it('rejects damaged files with a typed error instead of crashing', async () => {
    const good = readFileSync(fixturePngs(1)[0]);
    const truncated = good.subarray(0, good.length >> 1);
    expect(() => decodePng(truncated)).toThrowError(expect.objectContaining({ code: 'IMAGE_DECODE' }) as Error);
    const junk = Buffer.from('definitely not an image');
    await expect(decodeImageBytes(junk)).rejects.toSatisfy((e: unknown) => isSiameseError(e) && /IMAGE_/.test(e.code));
    await expect(decodeImageBytes(new Uint8Array())).rejects.toSatisfy((e: unknown) => isSiameseError(e, 'IMAGE_EMPTY'));
  });
});
