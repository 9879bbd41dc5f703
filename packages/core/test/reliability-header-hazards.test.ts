/**
 * Two decoder hazards found by the hostile-image corpus (packages/sdk-node/test/hostile-images.test.ts) and now
 * refused from the header: a TIFF whose image directory points at itself (utif loops until the heap is exhausted:
 * the process aborted) and a GIF whose LZW stream uses a code before its table entry exists (omggif's prefix chase
 * cycles forever: the process hung).
 */
import { describe, expect, it } from 'vitest';
import { checkImageSize, readImageHeader, readImageSize } from '../src/index.js';

function gif(lzw: number[]): Uint8Array {
  // 2 × 2 screen with a 4-colour global palette, one 2 × 2 frame, LZW minimum code size 2.
  return Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 2, 0, 2, 0, 0x81, 0, 0, ...new Array(12).fill(0), 0x2c, 0, 0, 0, 0, 2, 0, 2, 0, 0, 2, lzw.length, ...lzw, 0, 0x3b]);
}

/** The same frame with a local 4-colour palette (all zero) between its descriptor and its LZW data. */
function gifLocalPalette(lzw: number[]): Uint8Array {
  return Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 2, 0, 2, 0, 0x81, 0, 0, ...new Array(12).fill(0), 0x2c, 0, 0, 0, 0, 2, 0, 2, 0, 0x81, ...new Array(12).fill(0), 2, lzw.length, ...lzw, 0, 0x3b]);
}

function tiff(nextIfd: (ifd: number) => number, subIfdTo?: (ifd: number) => number, count = 1): Uint8Array {
  const ifd = 8;
  const entries: [number, number, number, number][] = [[256, 3, 1, 2], [257, 3, 1, 2]];
  if (subIfdTo) entries.push([330, 4, count, subIfdTo(ifd)]);
  const b = Buffer.alloc(ifd + 2 + entries.length * 12 + 4 + 16);
  b.write('II*\0', 0, 'latin1');
  b.writeUInt32LE(ifd, 4);
  b.writeUInt16LE(entries.length, ifd);
  entries.forEach(([tag, type, n, v], i) => {
    b.writeUInt16LE(tag, ifd + 2 + i * 12);
    b.writeUInt16LE(type, ifd + 4 + i * 12);
    b.writeUInt32LE(n, ifd + 6 + i * 12);
    b.writeUInt32LE(v, ifd + 10 + i * 12);
  });
  b.writeUInt32LE(nextIfd(ifd), ifd + 2 + entries.length * 12);
  return new Uint8Array(b);
}

describe('decoder hazards refused from the header', () => {
  it('a GIF LZW code ahead of the table → IMAGE_DECODE; a valid stream passes', () => {
    // clear(4), 0, 0, 0, 0, eoi(5) in 3-bit codes: valid.
    expect(readImageHeader(gif([0x04, 0x80, 0x02]))).toMatchObject({ format: 'gif', width: 2, height: 2 });
    // clear(4), 0, then 7 while the next free entry is 6.
    expect(() => readImageHeader(gif([0xc4, 0x01]))).toThrowError(expect.objectContaining({ code: 'IMAGE_DECODE', message: expect.stringMatching(/LZW code 7/) }) as Error);
    // A local palette must not hide the frame's size: the check once read palette bytes as the size (0 pixels here),
    // so it stopped replaying after two codes. clear, 0, 0, clear, 0, then 7 while the next free entry is 6.
    const lateBadCode = [0x04, 0x88, 0x17];
    expect(() => readImageHeader(gif(lateBadCode))).toThrowError(/LZW code 7/);
    expect(readImageHeader(gifLocalPalette([0x04, 0x80, 0x02]))).toMatchObject({ format: 'gif', width: 2, height: 2 });
    expect(() => readImageHeader(gifLocalPalette(lateBadCode))).toThrowError(expect.objectContaining({ code: 'IMAGE_DECODE', message: expect.stringMatching(/LZW code 7/) }) as Error);
  });

  it('TIFF directory loops, sub-directory loops and impossible value counts → IMAGE_DECODE; a plain TIFF passes', () => {
    expect(readImageHeader(tiff(() => 0))).toMatchObject({ format: 'tiff', width: 2, height: 2 });
    expect(() => readImageHeader(tiff((ifd) => ifd))).toThrowError(/reached twice/);
    expect(() => readImageHeader(tiff(() => 0, (ifd) => ifd))).toThrowError(/reached twice/);
    expect(() => readImageHeader(tiff(() => 0, () => 40, 0x40000000))).toThrowError(/claims 1073741824 values/);
  });

  it("are jimp's guards only: readImageSize (the web SDK's check, the browser decodes) reads the same sizes without them", () => {
    const hazards = [gif([0xc4, 0x01]), tiff((ifd) => ifd), tiff(() => 0, (ifd) => ifd), tiff(() => 0, () => 40, 0x40000000)];
    for (const bytes of hazards) {
      expect(() => readImageHeader(bytes)).toThrowError(expect.objectContaining({ code: 'IMAGE_DECODE' }) as Error);
      expect(readImageSize(bytes)).toMatchObject({ width: 2, height: 2 });
      expect(checkImageSize(bytes, { maxPixels: 4 })).toMatchObject({ width: 2, height: 2 });
    }
    for (const bytes of [gif([0x04, 0x80, 0x02]), tiff(() => 0)]) expect(readImageSize(bytes)).toEqual(readImageHeader(bytes));
    // The pixel limit and GIF frame counting are not decoder guards: both checks apply them alike.
    expect(() => checkImageSize(gif([0x04, 0x80, 0x02]), { maxPixels: 3 })).toThrowError(expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }) as Error);
  });
});
