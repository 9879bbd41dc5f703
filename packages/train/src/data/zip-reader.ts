/**
 * Reads files out of a .zip without extracting it: parse the central directory once, then inflate single entries
 * on demand with node:zlib. Enough for the Omniglot archives (stored or deflated entries, no encryption, no
 * multi-disk); ZIP64 is not needed for archives under 4 GiB and is reported clearly if met.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { SiameseError } from '@siamese-sdk/core';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated; directories end with '/'. */
  name: string;
  compressedSize: number;
  size: number;
  /** 0 = stored, 8 = deflate. */
  method: number;
  /** Offset of the entry's local header in the archive. */
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

function invalid(path: string, why: string): never {
  throw new SiameseError('DATASET_INVALID', `${path} is not a readable zip archive: ${why}`, { path });
}

export class ZipArchive {
  readonly entries: ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;

  private constructor(
    readonly path: string,
    private readonly bytes: Buffer,
  ) {
    this.entries = readCentralDirectory(bytes, path);
    this.byName = new Map(this.entries.map((e) => [e.name, e]));
  }

  /** Opens an archive from disk (the whole file is read into memory: the Omniglot zips are 6–9 MB). */
  static open(path: string): ZipArchive {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new SiameseError('NOT_FOUND', `cannot read ${path}: ${(e as Error).message}`, { path }, { cause: e });
    }
    return new ZipArchive(path, bytes);
  }

  static fromBuffer(bytes: Buffer, name = '<buffer>'): ZipArchive {
    return new ZipArchive(name, bytes);
  }

  get(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /** The uncompressed bytes of one entry. */
  read(entry: ZipEntry | string): Buffer {
    const e = typeof entry === 'string' ? this.byName.get(entry) : entry;
    if (!e) invalid(this.path, `no entry named ${String(entry)}`);
    const b = this.bytes;
    const o = e.localHeaderOffset;
    if (o + 30 > b.length || b.readUInt32LE(o) !== LOCAL_SIGNATURE) invalid(this.path, `bad local header for ${e.name}`);
    // The local header's name/extra lengths may differ from the central directory's, so read them here.
    const start = o + 30 + b.readUInt16LE(o + 26) + b.readUInt16LE(o + 28);
    const end = start + e.compressedSize;
    if (end > b.length) invalid(this.path, `entry ${e.name} runs past the end of the file`);
    const raw = b.subarray(start, end);
    if (e.method === 0) return Buffer.from(raw);
    if (e.method !== 8) invalid(this.path, `entry ${e.name} uses unsupported compression method ${e.method}`);
    try {
      return inflateRawSync(raw);
    } catch (err) {
      throw new SiameseError('DATASET_INVALID', `${this.path}: entry ${e.name} is corrupt (${(err as Error).message})`, { path: this.path, entry: e.name }, { cause: err });
    }
  }
}

function readCentralDirectory(b: Buffer, path: string): ZipEntry[] {
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  const min = Math.max(0, b.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = b.length - 22; i >= min; i--) {
    if (b.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) invalid(path, 'no end-of-central-directory record');
  const count = b.readUInt16LE(eocd + 10);
  const dirOffset = b.readUInt32LE(eocd + 16);
  if (count === 0xffff || dirOffset === 0xffffffff) invalid(path, 'ZIP64 archives are not supported');
  const entries: ZipEntry[] = [];
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== CENTRAL_SIGNATURE) invalid(path, `central directory entry ${i} is damaged`);
    const flags = b.readUInt16LE(p + 8);
    if (flags & 1) invalid(path, 'encrypted entries are not supported');
    const nameLength = b.readUInt16LE(p + 28);
    const extraLength = b.readUInt16LE(p + 30);
    const commentLength = b.readUInt16LE(p + 32);
    // Bit 11: UTF-8 names; otherwise CP437, which equals ASCII for the names we care about.
    const name = b.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLength);
    entries.push({
      name,
      method: b.readUInt16LE(p + 10),
      compressedSize: b.readUInt32LE(p + 20),
      size: b.readUInt32LE(p + 24),
      localHeaderOffset: b.readUInt32LE(p + 42),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
