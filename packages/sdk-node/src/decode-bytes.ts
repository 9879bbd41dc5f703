/**
 * Encoded image bytes → pixels, after the header check (format known, size within the pixel limit) so a
 * decompression bomb is refused before any decoder allocates for it. PNGs go through core's fast decoder (the one
 * the trainer uses; ~10× faster than jimp's on small PNGs, same pixels) and fall back to jimp for anything it does
 * not take; every other format goes to jimp. Runs on the calling thread or inside a decode worker (the same
 * function either way).
 */
import { inflateSync } from 'node:zlib';
import { type InflateFunction, type RawImage, SiameseError, checkImageHeader, decodePng, isSiameseError } from '@siamese-sdk/core';
import { readRegularFile, readRegularFileSync } from './regular-file.js';

/** 'fast': core's PNG decoder first, jimp for what it does not take; 'jimp': jimp only. */
export type PngDecoderChoice = 'fast' | 'jimp';

type JimpClass = typeof import('jimp')['Jimp'];
type PngCodec = ReturnType<typeof import('@jimp/js-png')['default']>;
let jimp: Promise<JimpClass> | undefined;
let pngCodec: Promise<PngCodec> | undefined;

/** jimp takes ~0.4 s to import; load it on the first decode, not on `import 'siamese-sdk'`. */
function loadJimp(): Promise<JimpClass> {
  jimp ??= import('jimp').then((m) => m.Jimp);
  return jimp;
}

/**
 * jimp's own PNG codec, called directly: the format is already known from the header, so jimp's MIME sniffing and
 * image-object setup are skipped (~20% faster per PNG, identical pixels: it is the codec Jimp.fromBuffer uses).
 */
function loadPngCodec(): Promise<PngCodec> {
  pngCodec ??= import('@jimp/js-png').then((m) => m.default());
  return pngCodec;
}

async function decodeRgba(bytes: Uint8Array, format: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a view: the codecs only read it
  if (format === 'png') return (await loadPngCodec()).decode(buffer);
  // Other formats through Jimp.fromBuffer, which also applies JPEG EXIF orientation.
  return (await (await loadJimp()).fromBuffer(buffer)).bitmap;
}

/** node:zlib for core's decoder: a longer stream throws instead of allocating more; `info` gives the bytes used. */
export const nodeInflate: InflateFunction = (compressed, maxOutputLength) => {
  const { buffer, engine } = inflateSync(compressed, { maxOutputLength: Math.max(1, maxOutputLength), info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  return { output: buffer, consumed: engine.bytesWritten };
};

/** The formats jimp decodes, as named when bytes are none of them (WebP is recognised, then refused below). */
const NODE_IMAGE_FORMATS = 'PNG, JPEG, GIF, BMP or TIFF';

export async function decodeImageBytes(bytes: Uint8Array, maxPixels: number, png: PngDecoderChoice = 'fast'): Promise<RawImage> {
  const header = checkImageHeader(bytes, { maxPixels, formats: NODE_IMAGE_FORMATS });
  if (header.format === 'webp') {
    throw new SiameseError('IMAGE_UNSUPPORTED_FORMAT', 'WebP images are not decoded in Node (jimp); convert to PNG or JPEG', { format: 'webp' });
  }
  let fastError: SiameseError | undefined;
  if (header.format === 'png' && png === 'fast') {
    try {
      return decodePng(bytes, { inflate: nodeInflate, maxPixels });
    } catch (error) {
      // Outside the fast decoder's subset (interlaced, unusual chunks) or refused by it: jimp's verdict stands, so
      // the fast path never changes which files are accepted (jimp tolerates e.g. a bad zlib checksum).
      if (isSiameseError(error, 'IMAGE_DECODE')) fastError = error;
      else if (!isSiameseError(error, 'IMAGE_UNSUPPORTED_FORMAT')) throw error;
    }
  }
  let image: { data: Uint8Array; width: number; height: number };
  try {
    image = await decodeRgba(bytes, header.format);
  } catch (error) {
    // Both decoders refuse it: the fast decoder's message names the defect more clearly than pngjs's.
    if (fastError) throw fastError;
    throw new SiameseError('IMAGE_DECODE', `corrupt or truncated ${header.format.toUpperCase()} image (${(error as Error)?.message ?? String(error)})`, { format: header.format }, { cause: error });
  }
  const { data, width, height } = image;
  if (width === 0 || height === 0) throw new SiameseError('IMAGE_EMPTY', `image is empty (${width}×${height})`);
  if (data.length !== width * height * 4) throw new SiameseError('IMAGE_DECODE', `decoder returned ${data.length} bytes for ${width}×${height} RGBA`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height, channels: 4 };
}

/** Reads an image file: only regular files are read (never a pipe or device that would block or never end). */
export function readImageFile(path: string): Promise<Uint8Array> {
  return readRegularFile(path, 'an image file');
}

/**
 * The same, blocking: for decode workers, which have nothing else to do meanwhile. Reading a small image this way
 * costs ~20 µs of CPU; fs.promises.readFile (open, stat, read, close through the thread pool) costs 100–400 µs,
 * more than decoding the PNG.
 */
export function readImageFileSync(path: string): Uint8Array {
  return readRegularFileSync(path, 'an image file');
}
