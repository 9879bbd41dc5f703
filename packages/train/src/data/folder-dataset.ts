/**
 * Any folder-per-class image directory: `<root>/<label>/*.{png,jpg,jpeg,bmp,gif,tif,tiff}`. Files in the root
 * itself and other extensions are ignored; nested folders are not searched (a label is one folder level).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SiameseError, type PreprocessTarget } from '@siamese-sdk/core';
import { buildImageSet, type BuildProgress, type ImageSource } from './build-image-set.js';
import { loadWithCache, type CachedLoadOptions } from './cache.js';
import { defaultFolderTarget } from './image-set.js';
import type { LoadedDataset } from './omniglot.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff'];

export interface FolderDatasetOptions extends CachedLoadOptions {
  target?: PreprocessTarget;
  onDecodeProgress?: (p: BuildProgress) => void;
}

export async function loadFolderDataset(root: string, options: FolderDatasetOptions = {}): Promise<LoadedDataset> {
  const started = performance.now();
  const dir = resolve(root);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SiameseError('DATASET_INVALID', `dataset folder ${root} does not exist or is not a folder`, { path: root });
  }
  const items: ImageSource[] = [];
  const listing: [string, number, number][] = [];
  for (const label of readdirSync(dir).sort()) {
    const classDir = join(dir, label);
    if (!statSync(classDir).isDirectory()) continue;
    for (const f of readdirSync(classDir).sort()) {
      if (!IMAGE_EXTENSIONS.some((ext) => f.toLowerCase().endsWith(ext))) continue;
      const path = join(classDir, f);
      const st = statSync(path);
      if (!st.isFile()) continue;
      listing.push([`${label}/${f}`, st.size, Math.floor(st.mtimeMs)]);
      items.push({ file: path, className: label, group: '', drawer: -1, read: () => readFileSync(path) });
    }
  }
  if (items.length === 0) {
    throw new SiameseError('DATASET_INVALID', `dataset folder ${root} has no images: expected <root>/<label>/*.{${IMAGE_EXTENSIONS.map((e) => e.slice(1)).join(',')}}`, { path: root });
  }
  const target = options.target ?? defaultFolderTarget();
  const { set, cacheHit } = await loadWithCache('folder', { dir, listing, target }, () => buildImageSet(dir, items, target, options.onDecodeProgress), options);
  if (set.classes.length < 2) {
    throw new SiameseError('DATASET_INVALID', `dataset folder ${root} has ${set.classes.length} usable class(es); at least 2 classes with 2+ images each are needed`, { path: root });
  }
  return { set, cacheHit, seconds: (performance.now() - started) / 1000 };
}
