/**
 * Reads an encoded image's format and dimensions from its header, without decoding. Lets the SDKs refuse
 * decompression bombs (a small file claiming billions of pixels) before a decoder allocates anything, and name
 * unsupported formats clearly. Every read is bounds-checked; the only thing thrown is a SiameseError.
 *
 * This module is what every decoder needs (the web SDK's browser decoder included): format, size, GIF frame
 * pixels. The deeper checks that protect jimp's JavaScript codecs (GIF and TIFF LZW streams, TIFF directories,
 * BMP colour tables) live in ./decoder-guards.ts, which also exports the checked readImageHeader/checkImageHeader
 * used in Node and by the trainer; the web bundle does not include them.
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

/**
 * Bounds-checked big/little-endian reads that fail as a truncated image instead of returning undefined/NaN.
 * @internal shared with ./decoder-guards.ts
 */
export class HeaderReader {
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

/**
 * Checks for one decoder's hazards, run while the header is read (./decoder-guards.ts has jimp's). Each throws a
 * SiameseError for a file that decoder must not see.
 * @internal
 */
export interface HeaderGuards {
  /** A GIF frame of `pixels` pixels whose LZW data (code size byte, then sub-blocks) starts at `dataStart`. */
  gifFrame(r: HeaderReader, dataStart: number, pixels: number): void;
  /** A BMP whose DIB header (`dibSize` bytes) carries 32-bit sizes; called once they are read. */
  bmp(r: HeaderReader, dibSize: number): void;
  /** A TIFF (`le`: little-endian), before the first directory's size is read. */
  tiff(r: HeaderReader, le: boolean): void;
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
function gifSize(r: HeaderReader, guards?: HeaderGuards): [number, number, number] {
  const width = r.u16(6, true);
  const height = r.u16(8, true);
  const packed = r.u8(10);
  let o = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  let framePixels = 0;
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
      const pixels = r.u16(o + 5, true) * r.u16(o + 7, true);
      framePixels += pixels;
      const local = r.u8(o + 9);
      o += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0); // descriptor, local palette
      guards?.gifFrame(r, o, pixels);
      o += 1; // LZW code size
      skipSubBlocks();
    } else {
      throw new SiameseError('IMAGE_DECODE', `corrupt GIF: unknown block 0x${block.toString(16)} at byte ${o}`, { format: 'gif' });
    }
  }
  return [width, height, Math.max(width * height, framePixels)];
}

/** Size from the DIB header. */
function bmpSize(r: HeaderReader, guards?: HeaderGuards): [number, number] {
  const dibSize = r.u32(14, true);
  // BITMAPCOREHEADER (OS/2) stores 16-bit sizes; every later header stores signed 32-bit (negative height = top-down).
  if (dibSize === 12) return [r.u16(18, true), r.u16(20, true)];
  const size: [number, number] = [Math.abs(r.i32le(18)), Math.abs(r.i32le(22))];
  guards?.bmp(r, dibSize);
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

/** The first directory's size (tags 256 and 257). */
function tiffSize(r: HeaderReader, guards?: HeaderGuards): [number, number] {
  const le = r.u8(0) === 0x49;
  guards?.tiff(r, le);
  const first = r.u32(4, le);
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

const SIZE_READERS: Record<ImageFormat, (r: HeaderReader, guards?: HeaderGuards) => [number, number] | [number, number, number]> = {
  png: pngSize,
  jpeg: jpegSize,
  gif: gifSize,
  bmp: bmpSize,
  tiff: tiffSize,
  webp: webpSize,
};

/** Every format the header reader recognises, as named when an image is none of them. */
export const IMAGE_FORMAT_NAMES = 'PNG, JPEG, GIF, BMP, TIFF or WebP';

export interface ImageHeaderOptions {
  /**
   * The formats named in the IMAGE_UNSUPPORTED_FORMAT message: the ones the caller's decoder takes (default
   * {@link IMAGE_FORMAT_NAMES}). It only words the message; which formats are recognised does not change.
   */
  formats?: string;
}

/**
 * Format and size from the header alone, with no decoder's guards: for callers whose decoder protects itself (a
 * browser's). Throws IMAGE_EMPTY (no bytes), IMAGE_UNSUPPORTED_FORMAT or IMAGE_DECODE. Node and the trainer use
 * readImageHeader (./decoder-guards.ts), which adds the checks jimp's codecs need.
 */
export function readImageSize(bytes: Uint8Array, options: ImageHeaderOptions = {}, guards?: HeaderGuards): ImageHeader {
  if (!(bytes instanceof Uint8Array)) throw new SiameseError('INVALID_ARGUMENT', 'image bytes must be a Uint8Array or Buffer');
  if (bytes.length === 0) throw new SiameseError('IMAGE_EMPTY', 'image file is empty (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (!format) {
    throw new SiameseError('IMAGE_UNSUPPORTED_FORMAT', `not a supported image format (expected ${options.formats ?? IMAGE_FORMAT_NAMES})`, {
      magic: Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' '),
    });
  }
  const [width, height, pixels = width * height] = SIZE_READERS[format](new HeaderReader(bytes, format), guards);
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

/** Megapixels to one decimal: the unit of the pixel-limit message unless the limit is under one megapixel. */
const megapixels = (n: number): string => (n / 1e6).toFixed(1);

/**
 * {@link readImageSize} plus the checks every SDK applies before decoding: a zero width or height is
 * IMAGE_EMPTY, more than `maxPixels` pixels is IMAGE_TOO_LARGE. The web SDK calls it as it is; Node and the
 * trainer call checkImageHeader (./decoder-guards.ts), which passes jimp's guards.
 */
export function checkImageSize(bytes: Uint8Array, limits: ImageLimits & ImageHeaderOptions = {}, guards?: HeaderGuards): ImageHeader {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const header = readImageSize(bytes, limits, guards);
  const { width, height, format, pixels } = header;
  if (width === 0 || height === 0) throw new SiameseError('IMAGE_EMPTY', `${format.toUpperCase()} image is empty (${width}×${height})`, { format, width, height });
  if (pixels > maxPixels) {
    const size = pixels === width * height ? `${width}×${height} = ` : `${width}×${height} but its frames hold `;
    // Under a megapixel both would read "0.0": a small limit is stated in pixels.
    const amount = maxPixels < 1e6 ? `${pixels} pixels, over the limit of ${maxPixels}` : `${megapixels(pixels)} megapixels, over the limit of ${megapixels(maxPixels)}`;
    throw new SiameseError('IMAGE_TOO_LARGE', `${format.toUpperCase()} image is ${size}${amount} (option maxPixels)`, { format, width, height, pixels, maxPixels });
  }
  return header;
}
