import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSiameseError } from '@siamese-sdk/core';
import { loadFolderDataset } from '../../src/data/folder-dataset.js';
import { cacheFile, cacheKey, readImageSetCache, writeImageSetCache } from '../../src/data/cache.js';
import { FIXTURE_DIR, tempDir } from '../helpers.js';

/** A folder-per-class dataset from the committed Omniglot fixture: <root>/<Alphabet>_<character>/*.png. */
function makeFolderDataset(characters: number): string {
  const root = tempDir('folder');
  const alphabet = 'Tengwar';
  for (const character of readdirSync(join(FIXTURE_DIR, alphabet)).sort().slice(0, characters)) {
    cpSync(join(FIXTURE_DIR, alphabet, character), join(root, `${alphabet}_${character}`), { recursive: true });
  }
  return root;
}

describe('loadFolderDataset', () => {
  it('loads classes from folders, skips and lists corrupt files and one-image classes, caches the result', async () => {
    const root = makeFolderDataset(4);
    const cacheDir = tempDir('folder-cache');
    writeFileSync(join(root, 'Tengwar_character01', 'broken.png'), readFileSync(join(root, 'Tengwar_character01', readdirSync(join(root, 'Tengwar_character01'))[0])).subarray(0, 100));
    writeFileSync(join(root, 'Tengwar_character02', 'notes.txt'), 'ignored: not an image extension');
    mkdirSync(join(root, 'lonely'));
    cpSync(join(root, 'Tengwar_character03', readdirSync(join(root, 'Tengwar_character03'))[0]), join(root, 'lonely', 'only.png'));
    const first = await loadFolderDataset(root, { cacheDir, target: { input: { width: 20, height: 20, channels: 1 }, preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] } } });
    expect(first.cacheHit).toBe(false);
    const set = first.set;
    expect(set.classes.map((c) => c.name)).toEqual(['Tengwar_character01', 'Tengwar_character02', 'Tengwar_character03', 'Tengwar_character04']);
    expect(set.n).toBe(80);
    expect(set.skipped.map((s) => s.file.split('/').pop())).toEqual(['broken.png', 'lonely']);
    expect(set.skipped[0].reason).toMatch(/corrupt PNG/);
    expect(set.skipped[1].reason).toMatch(/1 usable image/);
    const again = await loadFolderDataset(root, { cacheDir, target: { input: { width: 20, height: 20, channels: 1 }, preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] } } });
    expect(again.cacheHit).toBe(true);
    expect(again.set.skipped).toEqual(set.skipped);
    // Touching a file changes the key: the folder is decoded again.
    const f = join(root, 'Tengwar_character04', readdirSync(join(root, 'Tengwar_character04'))[0]);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    const changed = await loadFolderDataset(root, { cacheDir, target: { input: { width: 20, height: 20, channels: 1 }, preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] } } });
    expect(changed.cacheHit).toBe(false);
  });

  it('follows symbolic links, skips and lists broken ones, and takes no hidden folder or file as data', async () => {
    const root = makeFolderDataset(3);
    const classes = readdirSync(root).sort();
    const target = join(root, classes[0]);
    symlinkSync(target, join(root, 'linked-class')); // a linked class folder is a class
    symlinkSync(join(root, 'gone'), join(root, 'broken-class')); // a dangling class link
    const firstImage = readdirSync(target)[0];
    symlinkSync(join(root, 'gone.png'), join(root, classes[1], 'dangling.png')); // a dangling image link
    mkdirSync(join(root, '.ipynb_checkpoints'));
    cpSync(join(target, firstImage), join(root, '.ipynb_checkpoints', firstImage));
    cpSync(join(target, firstImage), join(root, '.ipynb_checkpoints', 'copy.png'));
    cpSync(join(target, firstImage), join(root, classes[2], '._resource-fork.png'));
    const { set } = await loadFolderDataset(root, { cacheDir: tempDir('cache-links') });
    expect(set.classes.map((c) => c.name).sort()).toEqual([...classes, 'linked-class'].sort());
    const linkedId = set.classes.findIndex((c) => c.name === 'linked-class');
    const firstId = set.classes.findIndex((c) => c.name === classes[0]);
    const count = (id: number) => Array.from(set.labels).filter((l) => l === id).length;
    expect(count(linkedId)).toBe(count(firstId));
    // Hidden files are not images of a class: the third class has only its own.
    expect(count(set.classes.findIndex((c) => c.name === classes[2]))).toBe(readdirSync(join(root, classes[2])).filter((f) => !f.startsWith('.')).length);
    expect(set.skipped.map((s) => s.file.split('/').pop()).sort()).toEqual(['broken-class', 'dangling.png']);
    expect(set.skipped.every((s) => /cannot be read \(ENOENT\): a broken link\?/.test(s.reason))).toBe(true);
  });

  it('default RGB target decodes gray PNGs to three equal channels', async () => {
    const { set } = await loadFolderDataset(makeFolderDataset(2), { useCache: false });
    expect(set.input).toEqual({ width: 28, height: 28, channels: 3 });
    const px = set.pixels;
    for (let i = 0; i < 28 * 28; i++) {
      expect(px[3 * i]).toBeCloseTo(px[3 * i + 1], 5);
      expect(px[3 * i]).toBeCloseTo(px[3 * i + 2], 5);
    }
  });

  it('missing, empty or single-class folders are DATASET_INVALID before any work', async () => {
    const missing = await loadFolderDataset(join(tempDir('nothing'), 'nope')).catch((e: unknown) => e);
    expect(isSiameseError(missing, 'DATASET_INVALID')).toBe(true);
    const empty = tempDir('empty');
    mkdirSync(join(empty, 'a'));
    const e2 = await loadFolderDataset(empty).catch((e: unknown) => e);
    expect(isSiameseError(e2, 'DATASET_INVALID')).toBe(true);
    expect((e2 as Error).message).toMatch(/no images/);
    const one = makeFolderDataset(1);
    const e3 = await loadFolderDataset(one, { useCache: false }).catch((e: unknown) => e);
    expect((e3 as Error).message).toMatch(/1 usable class/);
  });
});

describe('image-set cache', () => {
  it('ignores a damaged entry instead of trusting it', async () => {
    const { set } = await loadFolderDataset(makeFolderDataset(2), { useCache: false });
    const path = cacheFile(tempDir('cache-damage'), 'x', cacheKey({ a: 1 }));
    writeImageSetCache(path, set);
    const back = readImageSetCache(path)!;
    expect(back.n).toBe(set.n);
    expect(Buffer.compare(Buffer.from(back.pixels.buffer), Buffer.from(set.pixels.buffer))).toBe(0);
    writeFileSync(path, readFileSync(path).subarray(0, 1000)); // truncated, as by a full disk
    expect(readImageSetCache(path)).toBeUndefined();
    expect(cacheKey({ a: 1 })).not.toBe(cacheKey({ a: 2 }));
  });
});
