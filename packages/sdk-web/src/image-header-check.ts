/**
 * Placeholder until core's image-header lands: replaced by a thin call into @siamese-sdk/core.
 */
import { SiameseError } from '@siamese-sdk/core';

export function checkImageHeader(bytes: Uint8Array, maxPixels: number): void {
  if (bytes.length === 0) throw new SiameseError('IMAGE_EMPTY', 'image data is empty');
  void maxPixels;
}
