/**
 * Omniglot (Lake et al. 2015) from the official zips, read in place: images_background.zip (30 alphabets, 964
 * characters, 19,280 images) and images_evaluation.zip (20 / 659 / 13,180). Each image keeps its alphabet (the
 * class's group), character (the class) and drawer (1–20). The layout and these counts are verified — not a zip
 * checksum, because repacked copies of the same PNGs are common.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SiameseError, type PreprocessTarget } from '@siamese-sdk/core';
import { buildImageSet, type BuildProgress, type ImageSource } from './build-image-set.js';
import { defaultCacheDir, loadWithCache, type CachedLoadOptions } from './cache.js';
import { downloadFile, type DownloadProgress } from './download.js';
import { OMNIGLOT_PREPROCESS, type ImageSet } from './image-set.js';
import { ZipArchive } from './zip-reader.js';

export type OmniglotSet = 'background' | 'evaluation';

export const OMNIGLOT_COUNTS: Record<OmniglotSet, { alphabets: number; characters: number; images: number }> = {
  background: { alphabets: 30, characters: 964, images: 19_280 },
  evaluation: { alphabets: 20, characters: 659, images: 13_180 },
};

export const OMNIGLOT_URL_BASE = 'https://github.com/brendenlake/omniglot/raw/master/python';

export interface OmniglotOptions extends CachedLoadOptions {
  /** Folder holding images_background.zip / images_evaluation.zip (or the extracted images_* folders). */
  dir?: string;
  /** When the files are not in `dir` (or no dir is given): download the official zips into `<cacheDir>/omniglot`. */
  download?: boolean;
  /** Overrides the download location (tests use a loopback server). */
  urlBase?: string;
  target?: PreprocessTarget;
  onDownloadProgress?: (p: DownloadProgress) => void;
  onDecodeProgress?: (p: BuildProgress) => void;
}

export interface LoadedDataset {
  set: ImageSet;
  cacheHit: boolean;
  /** Seconds spent loading (decode or cache read). */
  seconds: number;
}

const PATH_RE = /^images_(background|evaluation)\/([^/]+)\/(character\d+)\/(\d+)_(\d+)\.png$/;

interface Located {
  /** Identity for the cache key: changes when the files change. */
  identity: unknown;
  list(): ImageSource[];
}

function locate(which: OmniglotSet, dir: string): Located | undefined {
  const zipPath = join(dir, `images_${which}.zip`);
  if (existsSync(zipPath)) {
    const st = statSync(zipPath);
    return {
      identity: { kind: 'zip', size: st.size, mtimeMs: Math.floor(st.mtimeMs) },
      list: () => {
        const zip = ZipArchive.open(zipPath);
        return zip.entries.flatMap((entry) => {
          const m = PATH_RE.exec(entry.name);
          if (!m || m[1] !== which) return [];
          return [{ file: `${zipPath}:${entry.name}`, className: `${m[2]}/${m[3]}`, group: m[2], drawer: Number(m[5]), read: () => zip.read(entry) }];
        });
      },
    };
  }
  const folder = join(dir, `images_${which}`);
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    const files: string[] = [];
    for (const alphabet of readdirSync(folder).sort()) {
      const a = join(folder, alphabet);
      if (!statSync(a).isDirectory()) continue;
      for (const character of readdirSync(a).sort()) {
        const c = join(a, character);
        if (!statSync(c).isDirectory()) continue;
        for (const f of readdirSync(c).sort()) files.push(`images_${which}/${alphabet}/${character}/${f}`);
      }
    }
    const newest = files.reduce((t, f) => Math.max(t, statSync(join(dir, f)).mtimeMs), 0);
    return {
      identity: { kind: 'folder', files: files.length, newest: Math.floor(newest) },
      list: () =>
        files.flatMap((f) => {
          const m = PATH_RE.exec(f);
          if (!m) return [];
          return [{ file: join(dir, f), className: `${m[2]}/${m[3]}`, group: m[2], drawer: Number(m[5]), read: () => readFileSync(join(dir, f)) }];
        }),
    };
  }
  return undefined;
}

function verifyCounts(which: OmniglotSet, set: ImageSet, where: string): void {
  const expected = OMNIGLOT_COUNTS[which];
  const alphabets = new Set(set.classes.map((c) => c.group)).size;
  const got = { alphabets, characters: set.classes.length, images: set.n };
  if (got.alphabets !== expected.alphabets || got.characters !== expected.characters || got.images !== expected.images) {
    const fmt = (c: typeof got): string => `${c.alphabets} alphabets / ${c.characters} characters / ${c.images} images`;
    const skippedNote = set.skipped.length ? `; ${set.skipped.length} files unreadable, e.g. ${set.skipped[0].file}: ${set.skipped[0].reason}` : '';
    throw new SiameseError('DATASET_INVALID', `Omniglot ${which} set at ${where} has ${fmt(got)}, expected ${fmt(expected)}${skippedNote}`, { path: where, expected, got });
  }
}

/** Loads (and caches) one Omniglot set. Throws DATASET_INVALID when it cannot be found or its counts are off. */
export async function loadOmniglot(which: OmniglotSet, options: OmniglotOptions = {}): Promise<LoadedDataset> {
  const started = performance.now();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  let dir = options.dir;
  let located = dir !== undefined ? locate(which, dir) : undefined;
  if (!located && options.download) {
    dir = join(cacheDir, 'omniglot');
    located = locate(which, dir);
    if (!located) {
      await downloadFile(`${options.urlBase ?? OMNIGLOT_URL_BASE}/images_${which}.zip`, join(dir, `images_${which}.zip`), { onProgress: options.onDownloadProgress });
      located = locate(which, dir);
    }
  }
  if (!located || dir === undefined) {
    const where = options.dir !== undefined ? `in ${options.dir}` : '(no --omniglot-dir given)';
    throw new SiameseError('DATASET_INVALID', `Omniglot ${which} set not found ${where}: expected images_${which}.zip or an images_${which}/ folder; pass --omniglot-dir <folder> or --download`, { path: options.dir });
  }
  const target = options.target ?? OMNIGLOT_PREPROCESS;
  const source = `omniglot:${which}`;
  const { set, cacheHit } = await loadWithCache(
    `omniglot-${which}`,
    { source, identity: located.identity, target },
    async () => {
      const built = await buildImageSet(source, located.list(), target, options.onDecodeProgress);
      verifyCounts(which, built, dir);
      return built;
    },
    options,
  );
  verifyCounts(which, set, dir);
  return { set, cacheHit, seconds: (performance.now() - started) / 1000 };
}
