/**
 * The header checks that protect jimp's JavaScript codecs (omggif, utif, bmp-js): structures that made them loop
 * forever or allocate gigabytes, found by the hostile-image corpus (packages/sdk-node/test/hostile-images.test.ts).
 * They run while ./image-header.ts reads the header, and only where jimp decodes — the Node SDK and the trainer —
 * so the web bundle, whose browser decodes images itself, does not carry them. Each refusal is IMAGE_DECODE.
 */
import { SiameseError } from './errors.js';
import { type HeaderGuards, type HeaderReader, type ImageHeader, type ImageHeaderOptions, type ImageLimits, checkImageSize, readImageSize } from './image-header.js';

/** jimp's guards, with the LZW table one image's frames share. */
function decoderGuards(): HeaderGuards {
  let lzwTable: Int32Array | undefined;
  return {
    // The frame's own size from the descriptor (read before a local palette, which would otherwise sit at o - 5).
    gifFrame: (r, o, pixels) => checkGifLzw(r.bytes, o, pixels, (lzwTable ??= new Int32Array(4096))),
    bmp: checkBmpPalette,
    tiff: checkTiffStructure,
  };
}

/**
 * Format and size from the header, after the checks jimp's codecs need (below). Throws IMAGE_EMPTY (no bytes),
 * IMAGE_UNSUPPORTED_FORMAT or IMAGE_DECODE.
 */
export function readImageHeader(bytes: Uint8Array, options: ImageHeaderOptions = {}): ImageHeader {
  return readImageSize(bytes, options, decoderGuards());
}

/**
 * {@link readImageHeader} plus the checks every SDK applies before decoding: a zero width or height is
 * IMAGE_EMPTY, more than `maxPixels` pixels is IMAGE_TOO_LARGE.
 */
export function checkImageHeader(bytes: Uint8Array, limits: ImageLimits & ImageHeaderOptions = {}): ImageHeader {
  return checkImageSize(bytes, limits, decoderGuards());
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
 * The colour table must fit in the file: jimp's BMP decoder allocates an array of the claimed "colours used"
 * before reading them, so one flipped bit (33,554,432 colours in a 33 kB file) cost 256 MB before the decode
 * failed anyway.
 */
function checkBmpPalette(r: HeaderReader, dibSize: number): void {
  // A header cut short is left to the size limit and the decoder (a bomb is still IMAGE_TOO_LARGE).
  if (dibSize < 40 || r.bytes.length < 54) return;
  const bitsPerPixel = r.u16(28, true);
  const colorsUsed = r.u32(46, true);
  const paletteEntries = colorsUsed !== 0 ? colorsUsed : bitsPerPixel <= 8 ? 2 ** bitsPerPixel : 0;
  const room = Math.floor((r.bytes.length - 14 - dibSize) / 4);
  if (paletteEntries > room) {
    throw new SiameseError('IMAGE_DECODE', `corrupt BMP: a colour table of ${paletteEntries} entries does not fit in the file (room for ${Math.max(0, room)})`, { format: 'bmp' });
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
 * Walks every directory a decoder would read: the chain of pages and the sub-directories (EXIF, GPS, SubIFDs).
 * utif follows these without limits, so a directory that points at itself loops until memory runs out, and one
 * field claiming four billion values loops over them; both are refused here, from the header. Then checks the
 * first image's data and samples per pixel (below).
 */
function checkTiffStructure(r: HeaderReader, le: boolean): void {
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

