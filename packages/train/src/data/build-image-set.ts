/**
 * Turns a list of labelled image sources into an ImageSet: decode, preprocess with core's preprocessImage (the
 * code the SDKs run at inference), pack into one Float32Array. Unreadable images are skipped and listed; classes
 * left with fewer than two images are dropped and listed — one bad file never stops a run.
 */
import { SiameseError, preprocessImage, type PreprocessTarget } from '@siamese-sdk/core';
import { decodeImageBytes } from './decode-image.js';
import type { ClassInfo, ImageSet, SkippedFile } from './image-set.js';

export interface ImageSource {
  /** File path or zip entry name (for messages). */
  file: string;
  className: string;
  group: string;
  /** -1 when unknown. */
  drawer: number;
  read(): Uint8Array | Promise<Uint8Array>;
}

export interface BuildProgress {
  done: number;
  total: number;
}

export async function buildImageSet(source: string, items: ImageSource[], target: PreprocessTarget, onProgress?: (p: BuildProgress) => void): Promise<ImageSet> {
  const size = target.input.width * target.input.height * target.input.channels;
  const skipped: SkippedFile[] = [];
  let pixels = new Float32Array(items.length * size);
  const decodedItems: ImageSource[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    try {
      const raw = await decodeImageBytes(await item.read());
      preprocessImage(raw, target, { layout: 'hwc', out: pixels, offset: decodedItems.length * size });
      decodedItems.push(item);
    } catch (e) {
      skipped.push({ file: item.file, reason: (e as Error).message });
    }
    if (onProgress && (i % 500 === 499 || i === items.length - 1)) onProgress({ done: i + 1, total: items.length });
  }
  // Classes with fewer than two usable images cannot form a positive pair: report and leave them out.
  const counts = new Map<string, number>();
  const groups = new Map<string, string>();
  for (const item of decodedItems) {
    counts.set(item.className, (counts.get(item.className) ?? 0) + 1);
    groups.set(item.className, item.group);
  }
  const classes: ClassInfo[] = [];
  const classIndex = new Map<string, number>();
  for (const [name, count] of counts) {
    if (count < 2) {
      skipped.push({ file: name, reason: `class "${name}" has ${count} usable image; at least 2 are needed, left out` });
      continue;
    }
    classIndex.set(name, classes.length);
    classes.push({ name, group: groups.get(name)! });
  }
  const kept = decodedItems.map((item, i) => ({ item, i })).filter(({ item }) => classIndex.has(item.className));
  if (kept.length === 0) {
    throw new SiameseError('DATASET_INVALID', `${source}: no usable images (${items.length} files, ${skipped.length} skipped or left out)`, { path: source });
  }
  if (kept.length !== decodedItems.length || decodedItems.length !== items.length) {
    const compact = new Float32Array(kept.length * size);
    kept.forEach(({ i }, j) => compact.set(pixels.subarray(i * size, (i + 1) * size), j * size));
    pixels = compact;
  }
  return {
    source,
    input: { ...target.input },
    preprocess: { ...target.preprocess },
    n: kept.length,
    pixels,
    labels: Int32Array.from(kept, ({ item }) => classIndex.get(item.className)!),
    drawers: Int16Array.from(kept, ({ item }) => item.drawer),
    files: kept.map(({ item }) => item.file),
    classes,
    skipped,
  };
}
