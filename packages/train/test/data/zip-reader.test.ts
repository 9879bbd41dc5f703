import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZipArchive } from '../../src/data/zip-reader.js';
import { HAVE_OMNIGLOT, OMNIGLOT_DIR, fixtureZipEntries, makeZip } from '../helpers.js';

describe('ZipArchive', () => {
  it('lists and inflates entries byte-exactly', () => {
    const entries = fixtureZipEntries().slice(0, 30);
    const zip = ZipArchive.fromBuffer(makeZip(entries));
    expect(zip.entries.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    for (const e of entries) expect(Buffer.compare(zip.read(e.name), Buffer.from(e.data))).toBe(0);
  });

  it('rejects a file that is not a zip, and a corrupt entry, with DATASET_INVALID', () => {
    expect(() => ZipArchive.fromBuffer(Buffer.from('PK but not really a zip file at all, just text'))).toThrowError(expect.objectContaining({ code: 'DATASET_INVALID' }) as Error);
    const good = makeZip([{ name: 'a.txt', data: Buffer.from('hello hello hello hello') }]);
    // Central directory claims a compressed size past the end of the file.
    const cd = good.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const past = Buffer.from(good);
    past.writeUInt32LE(1_000_000, cd + 20);
    expect(() => ZipArchive.fromBuffer(past).read('a.txt')).toThrowError(/runs past the end/);
    // Garbage where the deflate stream should be.
    const garbage = Buffer.from(good);
    garbage.fill(0xff, 30 + 5, cd);
    expect(() => ZipArchive.fromBuffer(garbage).read('a.txt')).toThrowError(expect.objectContaining({ code: 'DATASET_INVALID' }) as Error);
    expect(() => ZipArchive.open(join(OMNIGLOT_DIR, 'missing.zip'))).toThrowError(expect.objectContaining({ code: 'NOT_FOUND' }) as Error);
  });

  it.skipIf(!HAVE_OMNIGLOT)('reads the official Omniglot evaluation zip', () => {
    const zip = ZipArchive.open(join(OMNIGLOT_DIR, 'images_evaluation.zip'));
    const pngs = zip.entries.filter((e) => e.name.endsWith('.png'));
    expect(pngs.length).toBe(13_180);
    const fixture = 'images_evaluation/Tengwar/character01/';
    const one = pngs.find((e) => e.name.startsWith(fixture))!;
    const committed = readFileSync(join(__dirname, '..', '..', '..', '..', 'fixtures', 'omniglot-eval-mini', 'Tengwar', 'character01', one.name.slice(fixture.length)));
    expect(Buffer.compare(zip.read(one), committed)).toBe(0);
  });
});
