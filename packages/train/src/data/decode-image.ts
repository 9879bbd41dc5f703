/**
 * Image bytes → RawImage. Plain PNGs go through core's fast decoder; everything else (JPEG, BMP, GIF, TIFF,
 * interlaced PNG) through jimp, loaded lazily so PNG-only datasets never pay for it.
 * Core's header check runs first, as in the SDKs: decompression bombs and the corrupt streams that make jimp's
 * decoders loop (GIF/TIFF LZW, TIFF directory cycles) are refused before any decoding.
 */
import { SiameseError, checkImageHeader, isSiameseError, type RawImage } from '@siamese-sdk/core';
import { decodePng, isPng } from './png-decoder.js';

export async function decodeImageBytes(bytes: Uint8Array): Promise<RawImage> {
  if (bytes.length === 0) throw new SiameseError('IMAGE_EMPTY', 'the file is empty');
  checkImageHeader(bytes);
  if (isPng(bytes)) {
    try {
      return decodePng(bytes);
    } catch (e) {
      // Files outside the fast decoder's subset, and damaged ones, go to jimp, whose verdict stands (it tolerates
      // a few defects the fast decoder refuses, such as a bad zlib checksum), as in the Node SDK. When jimp
      // refuses a damaged file too, the fast decoder's message names the defect more clearly.
      if (isSiameseError(e, 'IMAGE_DECODE')) {
        return decodeWithJimp(bytes).catch(() => {
          throw e;
        });
      }
      if (!isSiameseError(e, 'IMAGE_UNSUPPORTED_FORMAT')) throw e;
    }
  }
  return decodeWithJimp(bytes);
}

export async function decodeWithJimp(bytes: Uint8Array): Promise<RawImage> {
  const { Jimp } = await import('jimp');
  let image: { bitmap: { data: Buffer | Uint8Array; width: number; height: number } };
  try {
    image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    const code = /mime|unsupported|unknown/i.test(message) ? 'IMAGE_UNSUPPORTED_FORMAT' : 'IMAGE_DECODE';
    throw new SiameseError(code, `cannot decode image: ${message}`, {}, { cause: e });
  }
  const { data, width, height } = image.bitmap;
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height, channels: 4 };
}
