/**
 * Binary cache of preprocessed ImageSets, so a second run starts in seconds instead of decoding ~19,000 PNGs.
 *
 * Key: sha256 of the source's identity (file sizes + mtimes, or a listing) and the preprocessing target, plus a
 * format version — change any of them and the old entry is simply not found. File layout: "SIAMSET1", uint32
 * header length, UTF-8 JSON header (everything but the arrays), zero padding to a 4-byte boundary, then labels
 * (int32), drawers (int16, padded) and pixels (float32). Written to a temp name and renamed, so a killed run never
 * leaves a half-written entry that a later run would trust.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ImageSet } from './image-set.js';

const MAGIC = 'SIAMSET1';
/** Bump when decoding or the file layout changes. */
const CACHE_VERSION = 1;

/** `$SIAMESE_CACHE_DIR`, else `<repo or cwd>/.cache/siamese-train`. */
export function defaultCacheDir(): string {
  if (process.env.SIAMESE_CACHE_DIR) return resolve(process.env.SIAMESE_CACHE_DIR);
  const cwd = process.cwd();
  return cwd ? join(cwd, '.cache', 'siamese-train') : join(homedir(), '.cache', 'siamese-train');
}

export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify({ v: CACHE_VERSION, parts })).digest('hex').slice(0, 24);
}

export function cacheFile(cacheDir: string, name: string, key: string): string {
  return join(cacheDir, `${name.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${key}.bin`);
}

type Header = Omit<ImageSet, 'pixels' | 'labels' | 'drawers'>;

export function writeImageSetCache(path: string, set: ImageSet): void {
  const { pixels, labels, drawers, ...rest } = set;
  const header = Buffer.from(JSON.stringify(rest satisfies Header), 'utf8');
  const headerEnd = align(8 + 4 + header.length);
  const labelsEnd = headerEnd + 4 * set.n;
  const drawersEnd = align(labelsEnd + 2 * set.n);
  const total = drawersEnd + 4 * pixels.length;
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength).copy(out, headerEnd);
  Buffer.from(drawers.buffer, drawers.byteOffset, drawers.byteLength).copy(out, labelsEnd);
  Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).copy(out, drawersEnd);
  mkdirSync(resolve(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, out);
  renameSync(tmp, path);
}

/** The cached set, or undefined when there is no (readable, complete) entry. */
export function readImageSetCache(path: string): ImageSet | undefined {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch {
    return undefined;
  }
  try {
    if (b.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const headerLength = b.readUInt32LE(8);
    const header = JSON.parse(b.toString('utf8', 12, 12 + headerLength)) as Header;
    const n = header.n;
    const size = header.input.width * header.input.height * header.input.channels;
    const headerEnd = align(12 + headerLength);
    const labelsEnd = headerEnd + 4 * n;
    const drawersEnd = align(labelsEnd + 2 * n);
    if (b.length !== drawersEnd + 4 * n * size) return undefined;
    // Copy into fresh, aligned arrays (Buffer pools may be unaligned).
    const copy = (start: number, end: number): ArrayBuffer => new Uint8Array(b.subarray(start, end)).buffer;
    return {
      ...header,
      labels: new Int32Array(copy(headerEnd, labelsEnd)),
      drawers: new Int16Array(copy(labelsEnd, labelsEnd + 2 * n)),
      pixels: new Float32Array(copy(drawersEnd, b.length)),
    };
  } catch {
    return undefined;
  }
}

function align(n: number): number {
  return (n + 3) & ~3;
}

export interface CachedLoadOptions {
  cacheDir?: string;
  /** false = never read or write the cache. */
  useCache?: boolean;
}

/** Loads from the cache when the key matches, else builds and stores. Returns whether it was a cache hit. */
export async function loadWithCache(name: string, keyParts: unknown, build: () => Promise<ImageSet>, options: CachedLoadOptions = {}): Promise<{ set: ImageSet; cacheHit: boolean; cachePath?: string }> {
  if (options.useCache === false) return { set: await build(), cacheHit: false };
  const path = cacheFile(options.cacheDir ?? defaultCacheDir(), name, cacheKey(keyParts));
  const cached = readImageSetCache(path);
  if (cached) return { set: cached, cacheHit: true, cachePath: path };
  const set = await build();
  try {
    writeImageSetCache(path, set);
  } catch (e) {
    // A cache that cannot be written (read-only disk, full disk) slows the next run but must not fail this one.
    process.emitWarning(`siamese-train: could not write the dataset cache ${path}: ${(e as Error).message}`);
  }
  return { set, cacheHit: false, cachePath: path };
}
