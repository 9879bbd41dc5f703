/**
 * Any folder-per-class image directory: `<root>/<label>/*.{png,jpg,jpeg,bmp,gif,tif,tiff}`. Files in the root
 * itself, other extensions and hidden (dot-named) entries are ignored; nested folders are not searched (a label is
 * one folder level); symbolic links count as what they point to.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SiameseError, type PreprocessTarget } from '@siamese-sdk/core';
import { buildImageSet, type BuildProgress, type ImageSource } from './build-image-set.js';
import { loadWithCache, type CachedLoadOptions } from './cache.js';
import { defaultFolderTarget, type SkippedFile } from './image-set.js';
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
  // Entries that cannot be read (a broken symbolic link, no permission) are skipped and listed, like undecodable
  // images; hidden entries (.git, .ipynb_checkpoints, macOS ._ files) are not data at all.
  const unreadable: SkippedFile[] = [];
  const statOrSkip = (path: string) => {
    try {
      return statSync(path);
    } catch (e) {
      unreadable.push({ file: path, reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): a broken link?` });
      return undefined;
    }
  };
  for (const label of readdirSync(dir).sort()) {
    if (label.startsWith('.')) continue;
    const classDir = join(dir, label);
    if (!statOrSkip(classDir)?.isDirectory()) continue;
    let files: string[];
    try {
      files = readdirSync(classDir).sort();
    } catch (e) {
      unreadable.push({ file: classDir, reason: `cannot be listed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      continue;
    }
    for (const f of files) {
      if (f.startsWith('.') || !IMAGE_EXTENSIONS.some((ext) => f.toLowerCase().endsWith(ext))) continue;
      const path = join(classDir, f);
      const st = statOrSkip(path);
      if (!st?.isFile()) continue;
      listing.push([`${label}/${f}`, st.size, Math.floor(st.mtimeMs)]);
      items.push({ file: path, className: label, group: '', drawer: -1, read: () => readFileSync(path) });
    }
  }
  if (items.length === 0) {
    throw new SiameseError('DATASET_INVALID', `dataset folder ${root} has no images: expected <root>/<label>/*.{${IMAGE_EXTENSIONS.map((e) => e.slice(1)).join(',')}}`, { path: root });
  }
  const target = options.target ?? defaultFolderTarget();
  const { set: built, cacheHit } = await loadWithCache('folder', { dir, listing, target }, () => buildImageSet(dir, items, target, options.onDecodeProgress), options);
  const set = unreadable.length ? { ...built, skipped: [...unreadable, ...built.skipped] } : built;
  if (set.classes.length < 2) {
    throw new SiameseError('DATASET_INVALID', `dataset folder ${root} has ${set.classes.length} usable class(es); at least 2 classes with 2+ images each are needed`, { path: root });
  }
  return { set, cacheHit, seconds: (performance.now() - started) / 1000 };
}
