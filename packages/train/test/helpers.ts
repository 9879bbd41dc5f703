import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** 800 real Omniglot evaluation PNGs committed to the repo (Tengwar and Manipuri, 20 characters each). */
export const FIXTURE_DIR = join(REPO_ROOT, 'fixtures', 'omniglot-eval-mini');
/** The shared, read-only Omniglot zips; tests that need them skip when they are absent. */
export const OMNIGLOT_DIR = resolve(REPO_ROOT, '..', 'shared', 'data', 'omniglot');
export const HAVE_OMNIGLOT = existsSync(join(OMNIGLOT_DIR, 'images_background.zip')) && existsSync(join(OMNIGLOT_DIR, 'images_evaluation.zip'));

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `siamese-train-${prefix}-`));
}

/**
 * The fixture as a folder-per-class dataset in a fresh temporary folder: one `<alphabet>_<character>` folder per
 * character (the first `charactersPerAlphabet` of each alphabet), holding its 20 real Omniglot PNGs.
 */
export function fixtureFolders(prefix: string, charactersPerAlphabet = Infinity): string {
  const root = tempDir(prefix);
  for (const alphabet of readdirSync(FIXTURE_DIR)) {
    for (const character of readdirSync(join(FIXTURE_DIR, alphabet)).slice(0, charactersPerAlphabet)) {
      cpSync(join(FIXTURE_DIR, alphabet, character), join(root, `${alphabet}_${character}`), { recursive: true });
    }
  }
  return root;
}

import { crc32, deflateRawSync } from 'node:zlib';

/** A minimal zip writer for tests (deflate, no extras), so zip handling is tested without shipping archives. */
export function makeZip(files: { name: string; data: Uint8Array }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const compressed = deflateRawSync(f.data);
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += 30 + name.length + compressed.length;
  }
  const dir = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(files.length, 8);
  eocd.writeUInt16LE(files.length, 10);
  eocd.writeUInt32LE(dir.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, eocd]);
}


/** The fixture PNGs as Omniglot zip entries: images_<set>/<Alphabet>/characterNN/XXXX_YY.png. */
export function fixtureZipEntries(which: 'background' | 'evaluation' = 'evaluation'): { name: string; data: Uint8Array }[] {
  const out: { name: string; data: Uint8Array }[] = [];
  for (const alphabet of readdirSync(FIXTURE_DIR).sort()) {
    for (const character of readdirSync(join(FIXTURE_DIR, alphabet)).sort()) {
      for (const f of readdirSync(join(FIXTURE_DIR, alphabet, character)).sort()) {
        out.push({ name: `images_${which}/${alphabet}/${character}/${f}`, data: readFileSync(join(FIXTURE_DIR, alphabet, character, f)) });
      }
    }
  }
  return out;
}

import { buildImageSet, type ImageSource } from '../src/data/build-image-set.js';
import { OMNIGLOT_PREPROCESS, type ImageSet } from '../src/data/image-set.js';

let fixtureSet: Promise<ImageSet> | undefined;
/** The committed fixture (2 alphabets × 20 characters × 20 drawers) as an Omniglot-style ImageSet, 28×28. */
export function loadFixtureSet(): Promise<ImageSet> {
  fixtureSet ??= (() => {
    const items: ImageSource[] = [];
    for (const alphabet of readdirSync(FIXTURE_DIR).sort()) {
      for (const character of readdirSync(join(FIXTURE_DIR, alphabet)).sort()) {
        for (const f of readdirSync(join(FIXTURE_DIR, alphabet, character)).sort()) {
          const path = join(FIXTURE_DIR, alphabet, character, f);
          items.push({ file: path, className: `${alphabet}/${character}`, group: alphabet, drawer: Number(f.slice(5, 7)), read: () => readFileSync(path) });
        }
      }
    }
    return buildImageSet('fixture', items, OMNIGLOT_PREPROCESS);
  })();
  return fixtureSet;
}
