import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSiameseError } from '@siamese-sdk/core';
import { loadOmniglot } from '../../src/data/omniglot.js';
import { imagesByClass } from '../../src/data/image-set.js';
import { HAVE_OMNIGLOT, OMNIGLOT_DIR, fixtureZipEntries, makeZip, tempDir } from '../helpers.js';

describe('loadOmniglot', () => {
  it.skipIf(!HAVE_OMNIGLOT)('decodes the real evaluation set once, then loads it from the cache', async () => {
    const cacheDir = tempDir('omni-cache');
    const first = await loadOmniglot('evaluation', { dir: OMNIGLOT_DIR, cacheDir });
    const second = await loadOmniglot('evaluation', { dir: OMNIGLOT_DIR, cacheDir });
    console.log(`omniglot evaluation: decode ${first.seconds.toFixed(2)} s, cache hit ${second.seconds.toFixed(2)} s`);
    expect(first.cacheHit).toBe(false);
    expect(second.cacheHit).toBe(true);
    const set = second.set;
    expect(set.n).toBe(13_180);
    expect(set.classes.length).toBe(659);
    expect(new Set(set.classes.map((c) => c.group)).size).toBe(20);
    expect(set.skipped).toEqual([]);
    // Every character has its 20 drawers.
    for (const members of imagesByClass(set)) expect(new Set(members.map((i) => set.drawers[i]))).toEqual(new Set(Array.from({ length: 20 }, (_, d) => d + 1)));
    // The cache round-trips exactly.
    expect(Buffer.compare(Buffer.from(second.set.pixels.buffer), Buffer.from(first.set.pixels.buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(second.set.labels.buffer), Buffer.from(first.set.labels.buffer))).toBe(0);
    // Preprocessed: 28×28, ink = 1, paper = 0; a character covers a minority of the page.
    expect(set.input).toEqual({ width: 28, height: 28, channels: 1 });
    const img = set.pixels.subarray(0, 784);
    const mean = img.reduce((s, v) => s + v, 0) / 784;
    expect(Math.min(...img)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...img)).toBeLessThanOrEqual(1);
    expect(mean).toBeGreaterThan(0.02);
    expect(mean).toBeLessThan(0.4);
    // A changed preprocessing is a different cache entry.
    const other = await loadOmniglot('evaluation', {
      dir: OMNIGLOT_DIR,
      cacheDir,
      target: { input: { width: 20, height: 20, channels: 1 }, preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] } },
    });
    expect(other.cacheHit).toBe(false);
    expect(other.set.pixels.length).toBe(13_180 * 400);
  });

  it('refuses a zip whose layout counts are not Omniglot’s, naming what it found', async () => {
    const dir = tempDir('omni-small');
    writeFileSync(join(dir, 'images_evaluation.zip'), makeZip(fixtureZipEntries('evaluation')));
    const error = await loadOmniglot('evaluation', { dir, useCache: false }).catch((e: unknown) => e);
    expect(isSiameseError(error, 'DATASET_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/2 alphabets \/ 40 characters \/ 800 images, expected 20 alphabets \/ 659 characters \/ 13180 images/);
  });

  it('says how to get the data when it is missing', async () => {
    const error = await loadOmniglot('background', { dir: tempDir('omni-empty') }).catch((e: unknown) => e);
    expect(isSiameseError(error, 'DATASET_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/--omniglot-dir .* --download/);
  });

  describe('download (loopback server)', () => {
    let server: Server;
    let base: string;
    const zip = makeZip(fixtureZipEntries('background'));
    const hits: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        hits.push(req.url ?? '');
        // Redirect like GitHub's /raw/ does, then serve.
        if (req.url === '/python/images_background.zip') {
          res.writeHead(302, { location: '/files/images_background.zip' }).end();
        } else if (req.url === '/files/images_background.zip') {
          res.writeHead(200, { 'content-length': String(zip.length) }).end(zip);
        } else res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/python`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('downloads into the cache folder with progress, follows redirects, then reads the archive', async () => {
      const cacheDir = tempDir('omni-dl');
      const progress: number[] = [];
      const error = await loadOmniglot('background', { download: true, urlBase: base, cacheDir, onDownloadProgress: (p) => progress.push(p.received / (p.total ?? 1)) }).catch((e: unknown) => e);
      // The served zip is the small fixture, so the count check refuses it — after a complete download.
      expect((error as Error).message).toMatch(/800 images/);
      expect(hits).toEqual(['/python/images_background.zip', '/files/images_background.zip']);
      expect(progress.at(-1)).toBe(1);
      // A second call finds the downloaded file and does not fetch again.
      await loadOmniglot('background', { download: true, urlBase: base, cacheDir }).catch(() => undefined);
      expect(hits.length).toBe(2);
    });

    it('reports HTTP errors as FETCH_FAILED', async () => {
      const error = await loadOmniglot('evaluation', { download: true, urlBase: base, cacheDir: tempDir('omni-404') }).catch((e: unknown) => e);
      expect(isSiameseError(error, 'FETCH_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/HTTP 404/);
    });
  });
});
