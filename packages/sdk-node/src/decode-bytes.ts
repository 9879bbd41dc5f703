/**
 * Encoded image bytes → pixels with jimp, after the header check (format known, size within the pixel limit) so
 * a decompression bomb is refused before any decoder allocates for it. Runs on the calling thread or inside a
 * decode worker (the same function either way).
 */
import { readFile } from 'node:fs/promises';
import { type RawImage, SiameseError, checkImageHeader } from '@siamese-sdk/core';

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

export async function decodeImageBytes(bytes: Uint8Array, maxPixels: number): Promise<RawImage> {
  const header = checkImageHeader(bytes, { maxPixels });
  if (header.format === 'webp') {
    throw new SiameseError('IMAGE_UNSUPPORTED_FORMAT', 'WebP images are not decoded in Node (jimp); convert to PNG or JPEG', { format: 'webp' });
  }
  let image: { data: Uint8Array; width: number; height: number };
  try {
    image = await decodeRgba(bytes, header.format);
  } catch (error) {
    throw new SiameseError('IMAGE_DECODE', `corrupt or truncated ${header.format.toUpperCase()} image (${(error as Error)?.message ?? String(error)})`, { format: header.format }, { cause: error });
  }
  const { data, width, height } = image;
  if (width === 0 || height === 0) throw new SiameseError('IMAGE_EMPTY', `image is empty (${width}×${height})`);
  if (data.length !== width * height * 4) throw new SiameseError('IMAGE_DECODE', `decoder returned ${data.length} bytes for ${width}×${height} RGBA`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height, channels: 4 };
}

/** Reads a file, mapping file-system failures to NOT_FOUND / INVALID_ARGUMENT with the path. */
export async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SiameseError('NOT_FOUND', `no such file: ${path}`, { path });
    if (code === 'EISDIR') throw new SiameseError('INVALID_ARGUMENT', `${path} is a directory, not an image file`, { path });
    throw new SiameseError('NOT_FOUND', `cannot read ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
}
