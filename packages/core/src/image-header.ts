/**
 * Reads an encoded image's format and dimensions from its header, without decoding. Lets the SDKs refuse
 * decompression bombs (a small file claiming billions of pixels) before a decoder allocates anything, and name
 * unsupported formats clearly. Every read is bounds-checked; the only thing thrown is a SiameseError.
 */
import { SiameseError } from './errors.js';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'tiff' | 'webp';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /**
   * Pixels a decoder will produce: width × height, except for GIF, where every frame is decoded and a frame may
   * claim more than the logical screen (the sum over frames, at least the screen).
   */
  pixels: number;
}

/** Default pixel limit: 50 megapixels (e.g. 8660 × 5773), far above any sensible input to a small embedding net. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Bounds-checked big/little-endian reads that fail as a truncated image instead of returning undefined/NaN. */
class HeaderReader {
  constructor(readonly bytes: Uint8Array, readonly format: ImageFormat) {}
  private need(offset: number, length: number): void {
    if (offset < 0 || offset + length > this.bytes.length) {
      throw new SiameseError('IMAGE_DECODE', `truncated ${this.format.toUpperCase()} header (needs byte ${offset + length}, file has ${this.bytes.length})`, { format: this.format });
    }
  }
  u8(o: number): number {
    this.need(o, 1);
    return this.bytes[o];
  }
  u16(o: number, littleEndian: boolean): number {
    this.need(o, 2);
    const [a, b] = [this.bytes[o], this.bytes[o + 1]];
    return littleEndian ? a | (b << 8) : (a << 8) | b;
  }
  u24le(o: number): number {
    this.need(o, 3);
    return this.bytes[o] | (this.bytes[o + 1] << 8) | (this.bytes[o + 2] << 16);
  }
  u32(o: number, littleEndian: boolean): number {
    this.need(o, 4);
    const b = this.bytes;
    return littleEndian
      ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }
  i32le(o: number): number {
    return this.u32(o, true) | 0;
  }
  ascii(o: number, length: number): string {
    this.need(o, length);
    return String.fromCharCode(...this.bytes.subarray(o, o + length));
  }
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((b, i) => bytes[offset + i] === b);
}

/** The format from the leading magic bytes, or undefined when it is none we know. Never throws. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'gif'; // "GIF8"
  if (startsWith(bytes, [0x42, 0x4d])) return 'bmp'; // "BM"
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp'; // RIFF....WEBP
  return undefined;
}

function pngSize(r: HeaderReader): [number, number] {
  if (r.ascii(12, 4) !== 'IHDR') throw new SiameseError('IMAGE_DECODE', 'PNG does not start with an IHDR chunk', { format: 'png' });
  return [r.u32(16, false), r.u32(20, false)];
}

/** Most frames walked in a GIF before giving up on it (a decoder would spend as long on them). */
const MAX_GIF_FRAMES = 10_000;

/**
 * The logical screen size, and the pixels of all frames: a 40-byte GIF can describe a 60000 × 60000 frame inside a
 * 1 × 1 screen, and decoders then loop over 3.6 billion pixels. Walks the block structure (skipping data
 * sub-blocks by their lengths, so it costs a pass over the block headers only).
 */
function gifSize(r: HeaderReader): [number, number, number] {
  const width = r.u16(6, true);
  const height = r.u16(8, true);
  const packed = r.u8(10);
  let o = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  let framePixels = 0;
  let lzwTable: Int32Array | undefined;
  const skipSubBlocks = (): void => {
    for (let length = r.u8(o); length !== 0; length = r.u8(o)) o += length + 1;
    o += 1;
  };
  for (let frames = 0; o < r.bytes.length; ) {
    const block = r.u8(o);
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      o += 2; // introducer, label
      skipSubBlocks();
    } else if (block === 0x2c) {
      if (++frames > MAX_GIF_FRAMES) throw new SiameseError('IMAGE_TOO_LARGE', `GIF has more than ${MAX_GIF_FRAMES} frames`, { format: 'gif' });
      framePixels += r.u16(o + 5, true) * r.u16(o + 7, true);
      const local = r.u8(o + 9);
      o += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0); // descriptor, local palette
      checkGifLzw(r.bytes, o, r.u16(o - 5, true) * r.u16(o - 3, true), (lzwTable ??= new Int32Array(4096)));
      o += 1; // LZW code size
      skipSubBlocks();
    } else {
      throw new SiameseError('IMAGE_DECODE', `corrupt GIF: unknown block 0x${block.toString(16)} at byte ${o}`, { format: 'gif' });
    }
  }
  return [width, height, Math.max(width * height, framePixels)];
}

/**
 * Replays a frame's LZW code stream the way jimp's GIF decoder (omggif) reads it, without writing pixels, and
 * refuses a code beyond the next free table entry. omggif accepts such a code and stores it as the prefix of a
 * later entry; the table then holds a cycle and its prefix chase never ends — a 337-byte GIF with one flipped bit
 * hung the process for good. Valid streams never contain such a code, so nothing decodable is refused.
 */
function checkGifLzw(bytes: Uint8Array, start: number, outputLength: number, prefixOf: Int32Array): void {
  let p = start;
  const minCodeSize = bytes[p++];
  const clearCode = 1 << minCodeSize;
  const eoiCode = clearCode + 1;
  let nextCode = eoiCode + 1;
  let codeSize = minCodeSize + 1;
  let codeMask = (1 << codeSize) - 1;
  let shift = 0;
  let cur = 0;
  let op = 0;
  let subblock = bytes[p++];
  let prevCode: number | null = null;
  for (;;) {
    while (shift < 16) {
      if (subblock === 0) break;
      cur |= bytes[p++] << shift;
      shift += 8;
      if (subblock === 1) subblock = bytes[p++];
      else --subblock;
    }
    if (shift < codeSize) return;
    const code = cur & codeMask;
    cur >>= codeSize;
    shift -= codeSize;
    if (code === clearCode) {
      nextCode = eoiCode + 1;
      codeSize = minCodeSize + 1;
      codeMask = (1 << codeSize) - 1;
      prevCode = null;
      continue;
    }
    if (code === eoiCode) return;
    if (code > nextCode || (code === nextCode && prevCode === null)) {
      throw new SiameseError('IMAGE_DECODE', `corrupt GIF: LZW code ${code} before table entry ${nextCode} exists`, { format: 'gif' });
    }
    const chaseCode = code < nextCode ? code : (prevCode as number);
    let length = 0;
    for (let chase = chaseCode; chase > clearCode && length <= 4096; chase = prefixOf[chase]) length++;
    const end = op + length + (chaseCode !== code ? 1 : 0);
    if (end > outputLength) return; // omggif stops here too
    op = end + 1;
    if (prevCode !== null && nextCode < 4096) {
      prefixOf[nextCode++] = prevCode;
      if (nextCode >= codeMask + 1 && codeSize < 12) {
        ++codeSize;
        codeMask = (codeMask << 1) | 1;
      }
    }
    prevCode = code;
  }
}

/**
 * Size from the DIB header. The colour table must also fit in the file: jimp's BMP decoder allocates an array of
 * the claimed "colours used" before reading them, so one flipped bit (33,554,432 colours in a 33 kB file) cost
 * 256 MB before the decode failed anyway.
 */
function bmpSize(r: HeaderReader): [number, number] {
  const dibSize = r.u32(14, true);
  // BITMAPCOREHEADER (OS/2) stores 16-bit sizes; every later header stores signed 32-bit (negative height = top-down).
  if (dibSize === 12) return [r.u16(18, true), r.u16(20, true)];
  const size: [number, number] = [Math.abs(r.i32le(18)), Math.abs(r.i32le(22))];
  // A header cut short is left to the size limit and the decoder (a bomb is still IMAGE_TOO_LARGE).
  if (dibSize < 40 || r.bytes.length < 54) return size;
  const bitsPerPixel = r.u16(28, true);
  const colorsUsed = r.u32(46, true);
  const paletteEntries = colorsUsed !== 0 ? colorsUsed : bitsPerPixel <= 8 ? 2 ** bitsPerPixel : 0;
  const room = Math.floor((r.bytes.length - 14 - dibSize) / 4);
  if (paletteEntries > room) {
    throw new SiameseError('IMAGE_DECODE', `corrupt BMP: a colour table of ${paletteEntries} entries does not fit in the file (room for ${Math.max(0, room)})`, { format: 'bmp' });
  }
  return size;
}

/** Start-of-frame markers carry the size; all other segments are skipped by their length. */
const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(r: HeaderReader): [number, number] {
  let o = 2;
  for (;;) {
    if (r.u8(o) !== 0xff) throw new SiameseError('IMAGE_DECODE', `corrupt JPEG: expected a marker at byte ${o}`, { format: 'jpeg' });
    let marker = r.u8(o + 1);
    while (marker === 0xff) marker = r.u8(++o + 1); // fill bytes
    o += 2;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) throw new SiameseError('IMAGE_DECODE', 'corrupt JPEG: no frame header before the image data', { format: 'jpeg' });
    const length = r.u16(o, false);
    if (length < 2) throw new SiameseError('IMAGE_DECODE', `corrupt JPEG: segment length ${length} at byte ${o}`, { format: 'jpeg' });
    if (JPEG_SOF.has(marker)) return [r.u16(o + 5, false), r.u16(o + 3, false)];
    o += length;
  }
}

/** Bytes per value of each TIFF field type (1 BYTE … 13 IFD); other types carry nothing a decoder reads. */
const TIFF_TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
/** Tags whose values are offsets of further directories, which decoders (utif) follow. */
const TIFF_SUB_IFD_TAGS = new Set([330, 34665, 34853, 50740, 61440]);
const MAX_TIFF_DIRECTORIES = 256;
const MAX_TIFF_DEPTH = 4;
const MAX_TIFF_SAMPLES = 16;

/**
 * The first directory's size, after walking every directory a decoder would read: the chain of pages and the
 * sub-directories (EXIF, GPS, SubIFDs). utif follows these without limits, so a directory that points at itself
 * loops until memory runs out, and one field claiming four billion values loops over them; both are refused
 * here, from the header, as IMAGE_DECODE.
 */
function tiffSize(r: HeaderReader): [number, number] {
  const le = r.u8(0) === 0x49;
  const corrupt = (why: string) => new SiameseError('IMAGE_DECODE', `corrupt TIFF: ${why}`, { format: 'tiff' });
  const visited = new Set<number>();
  const walk = (ifd: number, depth: number): void => {
    if (visited.has(ifd)) throw corrupt(`image directory at byte ${ifd} is reached twice (a loop)`);
    if (visited.size >= MAX_TIFF_DIRECTORIES) throw corrupt(`more than ${MAX_TIFF_DIRECTORIES} image directories`);
    if (depth > MAX_TIFF_DEPTH) throw corrupt(`sub-directories nested deeper than ${MAX_TIFF_DEPTH}`);
    visited.add(ifd);
    const entries = r.u16(ifd, le);
    for (let i = 0; i < entries; i++) {
      const e = ifd + 2 + i * 12;
      const tag = r.u16(e, le);
      const size = TIFF_TYPE_SIZES[r.u16(e + 2, le)];
      if (size === undefined) continue;
      const count = r.u32(e + 4, le);
      if (count * size > r.bytes.length) throw corrupt(`field ${tag} claims ${count} values, more than the file holds`);
      if (!TIFF_SUB_IFD_TAGS.has(tag) || count === 0) continue;
      const valuesAt = count * size <= 4 ? e + 8 : r.u32(e + 8, le);
      for (let j = 0; j < count; j++) walk(r.u32(valuesAt + 4 * j, le), depth + 1);
    }
  };
  const first = r.u32(4, le);
  for (let ifd = first; ifd !== 0; ) {
    walk(ifd, 0);
    ifd = r.u32(ifd + 2 + r.u16(ifd, le) * 12, le);
  }
  checkTiffData(r, first, le);
  // utif allocates width·height·samples·bits/8 bytes for the raw image: a flipped SamplesPerPixel (4 → 16,388)
  // made a 45 kB, 105×105 file cost 180 MB. Colour images have at most a handful of samples per pixel.
  const samples = tiffValues(r, first, le, 277)[0] ?? 1;
  if (samples > MAX_TIFF_SAMPLES) throw corrupt(`${samples} samples per pixel (at most ${MAX_TIFF_SAMPLES} are supported)`);
  const entries = r.u16(first, le);
  let width = -1, height = -1;
  for (let i = 0; i < entries && (width < 0 || height < 0); i++) {
    const e = first + 2 + i * 12;
    const tag = r.u16(e, le);
    if (tag !== 256 && tag !== 257) continue;
    const type = r.u16(e + 2, le);
    // SHORT (3) values sit in the first two bytes of the value field; LONG (4) fill it.
    const value = type === 3 ? r.u16(e + 8, le) : type === 4 ? r.u32(e + 8, le) : -1;
    if (value < 0) throw new SiameseError('IMAGE_DECODE', `corrupt TIFF: image size stored with field type ${type}`, { format: 'tiff' });
    if (tag === 256) width = value;
    else height = value;
  }
  if (width < 0 || height < 0) throw new SiameseError('IMAGE_DECODE', 'corrupt TIFF: the first image directory has no width or height', { format: 'tiff' });
  return [width, height];
}

/** The values of a SHORT or LONG field of the directory at `ifd` (empty when absent). */
function tiffValues(r: HeaderReader, ifd: number, le: boolean, wanted: number): number[] {
  const entries = r.u16(ifd, le);
  for (let i = 0; i < entries; i++) {
    const e = ifd + 2 + i * 12;
    if (r.u16(e, le) !== wanted) continue;
    const type = r.u16(e + 2, le);
    if (type !== 3 && type !== 4) return [];
    const count = r.u32(e + 4, le);
    const size = type === 3 ? 2 : 4;
    const at = count * size <= 4 ? e + 8 : r.u32(e + 8, le);
    return Array.from({ length: count }, (_, j) => (type === 3 ? r.u16(at + j * 2, le) : r.u32(at + j * 4, le)));
  }
  return [];
}

/**
 * The first image's strips (or tiles) must lie inside the file — utif loops over a claimed length byte by byte —
 * and an LZW-compressed strip must not use a code before its table entry exists: utif's LZW decoder then chases a
 * cycle in its table forever (one flipped bit turning "uncompressed" into "LZW" hung the process).
 */
function checkTiffData(r: HeaderReader, ifd: number, le: boolean): void {
  const offsets = [...tiffValues(r, ifd, le, 273), ...tiffValues(r, ifd, le, 324)];
  const counts = [...tiffValues(r, ifd, le, 279), ...tiffValues(r, ifd, le, 325)];
  const lzw = tiffValues(r, ifd, le, 259)[0] === 5;
  for (let i = 0; i < offsets.length; i++) {
    const count = counts[i] ?? 0;
    if (offsets[i] + count > r.bytes.length) {
      throw new SiameseError('IMAGE_DECODE', `corrupt TIFF: strip ${i} (bytes ${offsets[i]}–${offsets[i] + count}) lies past the end of the file`, { format: 'tiff' });
    }
    if (lzw) checkTiffLzw(r.bytes, offsets[i], count, i);
  }
}

/** Replays utif's LZW code reading (MSB first, early code-size change) and refuses codes ahead of the table. */
function checkTiffLzw(bytes: Uint8Array, offset: number, length: number, strip: number): void {
  let bit = offset * 8;
  const end = (offset + length) * 8;
  let width = 9;
  let next = 258;
  const read = (): number => {
    const byte = bit >>> 3;
    const word = ((bytes[byte] ?? 0) << 16) | ((bytes[byte + 1] ?? 0) << 8) | (bytes[byte + 2] ?? 0);
    const code = (word >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    return code;
  };
  const bad = (code: number) => new SiameseError('IMAGE_DECODE', `corrupt TIFF: LZW code ${code} before table entry ${next} exists (strip ${strip})`, { format: 'tiff' });
  const add = () => {
    next++;
    if (next + 1 === 1 << width && width !== 12) width++;
  };
  let code: number;
  while (bit < end && (code = read()) !== 257) {
    if (code === 256) {
      width = 9;
      next = 258;
      code = read();
      if (code === 257) break;
      if (code >= 256) throw bad(code);
    } else if (code > next) {
      throw bad(code);
    } else {
      add();
    }
  }
}

function webpSize(r: HeaderReader): [number, number] {
  const chunk = r.ascii(12, 4);
  if (chunk === 'VP8 ') return [r.u16(26, true) & 0x3fff, r.u16(28, true) & 0x3fff];
  if (chunk === 'VP8L') {
    if (r.u8(20) !== 0x2f) throw new SiameseError('IMAGE_DECODE', 'corrupt WebP: bad lossless signature', { format: 'webp' });
    const bits = r.u32(21, true);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (chunk === 'VP8X') return [r.u24le(24) + 1, r.u24le(27) + 1];
  throw new SiameseError('IMAGE_DECODE', `corrupt WebP: unknown chunk "${chunk.replace(/[^\x20-\x7e]/g, '?')}"`, { format: 'webp' });
}

const SIZE_READERS: Record<ImageFormat, (r: HeaderReader) => [number, number] | [number, number, number]> = {
  png: pngSize,
  jpeg: jpegSize,
  gif: gifSize,
  bmp: bmpSize,
  tiff: tiffSize,
  webp: webpSize,
};

/** Format and size from the header. Throws IMAGE_EMPTY (no bytes), IMAGE_UNSUPPORTED_FORMAT or IMAGE_DECODE. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (!(bytes instanceof Uint8Array)) throw new SiameseError('INVALID_ARGUMENT', 'image bytes must be a Uint8Array or Buffer');
  if (bytes.length === 0) throw new SiameseError('IMAGE_EMPTY', 'image file is empty (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (!format) {
    throw new SiameseError('IMAGE_UNSUPPORTED_FORMAT', 'not a supported image format (expected PNG, JPEG, GIF, BMP, TIFF or WebP)', {
      magic: Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' '),
    });
  }
  const [width, height, pixels = width * height] = SIZE_READERS[format](new HeaderReader(bytes, format));
  return { format, width, height, pixels };
}

export interface ImageLimits {
  /** Refuse images with more pixels than this (default {@link DEFAULT_MAX_PIXELS}). */
  maxPixels?: number;
}

/**
 * The same size checks for pixels the caller already holds (a raw image, a canvas, a jimp image): a zero width or
 * height is IMAGE_EMPTY, more than `maxPixels` pixels is IMAGE_TOO_LARGE.
 */
export function checkPixelLimit(width: number, height: number, maxPixels: number = DEFAULT_MAX_PIXELS): void {
  if (width === 0 || height === 0) throw new SiameseError('IMAGE_EMPTY', `image is empty (${width}×${height})`, { width, height });
  if (width * height > maxPixels) {
    throw new SiameseError('IMAGE_TOO_LARGE', `image is ${width}×${height} = ${width * height} pixels, more than the limit of ${maxPixels} (option maxPixels)`, { width, height, maxPixels });
  }
}

/**
 * {@link readImageHeader} plus the checks every SDK applies before decoding: a zero width or height is
 * IMAGE_EMPTY, more than `maxPixels` pixels is IMAGE_TOO_LARGE.
 */
export function checkImageHeader(bytes: Uint8Array, limits: ImageLimits = {}): ImageHeader {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const header = readImageHeader(bytes);
  const { width, height, format, pixels } = header;
  if (width === 0 || height === 0) throw new SiameseError('IMAGE_EMPTY', `${format.toUpperCase()} image is empty (${width}×${height})`, { format, width, height });
  if (pixels > maxPixels) {
    const size = pixels === width * height ? `${width}×${height} = ` : `${width}×${height} but its frames hold `;
    throw new SiameseError(
      'IMAGE_TOO_LARGE',
      `${format.toUpperCase()} image is ${size}${(pixels / 1e6).toFixed(1)} megapixels, over the limit of ${(maxPixels / 1e6).toFixed(1)} (option maxPixels)`,
      { format, width, height, pixels, maxPixels },
    );
  }
  return header;
}
