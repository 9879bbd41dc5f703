/**
 * Image paths that are not regular files — a named pipe (whose open would wait for a writer forever), a device
 * such as /dev/zero (whose read never ends), a directory — are refused at once with INVALID_ARGUMENT naming the
 * path, on the worker pool (which reads files synchronously) and inline alike, and the pool keeps working; the
 * same paths given as a model are refused as well.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SiameseModel, closeDecodePool, loadModel } from '../src/index.js';
import { characterImages, errorOf, mechanicsModel, tempDir } from './helpers.js';

function makeFifo(): string | undefined {
  if (process.platform === 'win32') return undefined;
  const path = join(tempDir(), 'pipe.png');
  try {
    execFileSync('mkfifo', [path]);
    return path;
  } catch {
    return undefined;
  }
}

describe('image paths that are not regular files', () => {
  let pooled: SiameseModel;
  let inline: SiameseModel;
  const fifo = makeFifo();
  const cases: [string, string | undefined, string][] = [
    ['named pipe', fifo, 'INVALID_ARGUMENT'],
    ['device', existsSync('/dev/zero') ? '/dev/zero' : undefined, 'INVALID_ARGUMENT'],
    ['directory', tempDir(), 'INVALID_ARGUMENT'],
    ['missing file', join(tempDir(), 'missing.png'), 'NOT_FOUND'],
  ];

  beforeAll(async () => {
    pooled = await loadModel(mechanicsModel(), { device: 'cpu', workerThreshold: 2 });
    inline = await loadModel(mechanicsModel(), { device: 'cpu', workerThreshold: Infinity });
  });
  afterAll(async () => {
    await pooled?.dispose();
    await inline?.dispose();
    await closeDecodePool();
  });

  for (const [what, path, code] of cases) {
    it.skipIf(!path)(`${what}: ${code} naming it, on the pool and inline, without waiting`, async () => {
      const good = characterImages('Tengwar', 1, 3);
      for (const model of [pooled, inline]) {
        const started = performance.now();
        const error = await errorOf(() => model.embed([good[0], path!, good[1], good[2]]));
        expect(error.code).toBe(code);
        expect(error.details).toMatchObject({ index: 1, path });
        expect(performance.now() - started).toBeLessThan(5000);
      }
      // The workers are free again: the same model embeds the good files.
      expect(await pooled.embed(good)).toHaveLength(3);
    });
  }
});

describe('model paths that are not regular files', () => {
  const cases: [string, string | undefined][] = [
    ['named pipe', makeFifo()],
    ['device', existsSync('/dev/zero') ? '/dev/zero' : undefined],
    ['directory', tempDir()],
  ];
  for (const [what, path] of cases) {
    // loadModel once read the path with plain readFile: a pipe blocked it forever, /dev/zero would never end.
    it.skipIf(!path)(`${what}: loadModel refuses it with INVALID_ARGUMENT naming it, without waiting`, async () => {
      const started = performance.now();
      const error = await errorOf(() => loadModel(path!, { device: 'cpu' }));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.details).toMatchObject({ path });
      expect(error.message).toMatch(/not a model file/);
      expect(performance.now() - started).toBeLessThan(5000);
    });
  }
});
