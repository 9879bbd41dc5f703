/**
 * The chunk layer of a PNG: walks the chunks, checks their CRCs and the structure the fast decoder relies on, and
 * collects what decoding needs (IHDR fields, palette, transparency, the compressed image data).
 *
 * It accepts a file only when jimp's decoder (pngjs) would accept its structure too — CRCs of the chunks pngjs
 * checks, IHDR first, IEND last with nothing after it, no unknown critical chunk, tRNS after PLTE and no longer
 * than it — so a file the fast path decodes is never one jimp would refuse. Valid-but-unusual files (interlaced,
 * repeated IHDR/PLTE, non-standard fields) are refused as IMAGE_UNSUPPORTED_FORMAT for the caller's full decoder.
 */
import { SiameseError } from './errors.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Samples per pixel, and the bit depths the PNG specification allows, per colour type. */
export const PNG_COLOR_TYPES: Readonly<Record<number, { samples: number; depths: readonly number[] }>> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16] }, // gray
  2: { samples: 3, depths: [8, 16] }, // RGB
  3: { samples: 1, depths: [1, 2, 4, 8] }, // palette
  4: { samples: 2, depths: [8, 16] }, // gray + alpha
  6: { samples: 4, depths: [8, 16] }, // RGBA
};

export interface PngStructure {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** RGB triples (PLTE), when present. */
  palette?: Uint8Array;
  /** The raw tRNS chunk, when present. */
  transparency?: Uint8Array;
  /** The zlib stream: all IDAT chunks, concatenated. */
  compressed: Uint8Array;
}

export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

export function pngCorrupt(why: string): never {
  throw new SiameseError('IMAGE_DECODE', `corrupt PNG: ${why}`, { format: 'png' });
}

export function pngUnsupported(why: string): never {
  throw new SiameseError('IMAGE_UNSUPPORTED_FORMAT', `PNG outside the fast decoder (${why})`, { format: 'png' });
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (the PNG/zlib polynomial) of bytes[start, end). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** Chunks pngjs reads (and checks the CRC of); every other ancillary chunk it skips unchecked, and so do we. */
const READ_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'gAMA', 'IDAT', 'IEND']);

export function readPngStructure(bytes: Uint8Array): PngStructure {
  if (!isPng(bytes)) pngUnsupported('not a PNG file');
  let header: Omit<PngStructure, 'compressed' | 'palette' | 'transparency'> | undefined;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let p = 8;
  for (;;) {
    if (p + 12 > bytes.length) pngCorrupt(p === bytes.length ? 'no IEND chunk' : 'truncated chunk header');
    const length = u32(bytes, p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    const data = p + 8;
    const end = data + length;
    if (length > 0x7fffffff || end + 4 > bytes.length) pngCorrupt(`chunk ${JSON.stringify(type)} is truncated`);
    if (!header && type !== 'IHDR') pngCorrupt('the first chunk is not IHDR');
    if (READ_CHUNKS.has(type) && crc32(bytes, p + 4, end) !== u32(bytes, end)) pngCorrupt(`CRC mismatch in ${type}`);
    const chunk = bytes.subarray(data, end);
    if (type === 'IHDR') {
      if (header) pngUnsupported('a second IHDR');
      if (length !== 13) pngUnsupported(`IHDR of ${length} bytes`);
      header = { width: u32(chunk, 0), height: u32(chunk, 4), bitDepth: chunk[8], colorType: chunk[9] };
      if (chunk[10] !== 0 || chunk[11] !== 0) pngUnsupported('compression or filter method other than 0');
      if (chunk[12] !== 0) pngUnsupported('interlaced');
      const kind = PNG_COLOR_TYPES[header.colorType];
      if (!kind || !kind.depths.includes(header.bitDepth)) pngUnsupported(`colour type ${header.colorType} with bit depth ${header.bitDepth}`);
    } else if (type === 'PLTE') {
      if (palette) pngUnsupported('a second PLTE');
      if (length === 0 || length % 3 !== 0) pngUnsupported(`PLTE of ${length} bytes`);
      palette = chunk;
    } else if (type === 'tRNS') {
      if (transparency) pngUnsupported('a second tRNS');
      transparency = chunk;
      checkTransparency(header!.colorType, transparency, palette);
    } else if (type === 'gAMA') {
      if (length < 4) pngCorrupt('short gAMA'); // pngjs reads 4 bytes from it
    } else if (type === 'IDAT') {
      if (header!.colorType === 3 && !palette) pngCorrupt('palette image data before PLTE');
      idat.push(chunk);
    } else if (type === 'IEND') {
      if (end + 4 !== bytes.length) pngCorrupt('data after IEND');
      break;
    } else if ((bytes[p + 4] & 0x20) === 0) {
      pngCorrupt(`unknown critical chunk ${JSON.stringify(type)}`);
    }
    p = end + 4;
  }
  if (!header) pngCorrupt('no IHDR');
  if (idat.length === 0) pngCorrupt('no image data');
  if (header.colorType === 3 && !palette) pngCorrupt('palette image without PLTE');
  return { ...header, palette, transparency, compressed: idat.length === 1 ? idat[0] : concat(idat) };
}

function checkTransparency(colorType: number, trns: Uint8Array, palette: Uint8Array | undefined): void {
  if (colorType === 3) {
    if (!palette) pngCorrupt('tRNS before PLTE');
    if (trns.length > palette.length / 3) pngCorrupt('more tRNS entries than palette colours');
  } else if (colorType === 0 && trns.length < 2) pngCorrupt('short tRNS');
  else if (colorType === 2 && trns.length < 6) pngCorrupt('short tRNS');
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}
