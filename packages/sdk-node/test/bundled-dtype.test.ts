/**
 * `dtype`: the bundled default model's two variants (fp32, and int8-qdq — the same network fully quantised), chosen
 * by loadModel and the CLI; with an explicit model file, dtype is a check of what the file says it is.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODEL_FILES, SiameseError, bundledModelPath, closeDecodePool, loadModel, type BundledDType } from '../src/index.js';
import { exampleQuery, exampleSupport } from './helpers.js';

afterAll(() => closeDecodePool());

const bothBundled = existsSync(bundledModelPath('fp32')) && existsSync(bundledModelPath('int8-qdq'));

describe('dtype validation', () => {
  it('refuses an unknown dtype before reading any model, naming the choices', async () => {
    const error = await loadModel(undefined, { dtype: 'int4' as BundledDType }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiameseError);
    expect((error as SiameseError).code).toBe('INVALID_ARGUMENT');
    expect((error as SiameseError).message).toBe('dtype must be fp32 or int8-qdq, got int4');
  });
});

describe.runIf(bothBundled)('the bundled fp32 and int8-qdq default models', () => {
  it('loads each variant by dtype; int8-qdq embeds like fp32 and ranks the README query the same', async () => {
    const fp32 = await loadModel(undefined, { dtype: 'fp32' });
    const qdq = await loadModel(undefined, { dtype: 'int8-qdq' });
    try {
      expect(qdq.origin.endsWith(BUNDLED_MODEL_FILES['int8-qdq'])).toBe(true);
      expect(fp32.origin.endsWith(BUNDLED_MODEL_FILES.fp32)).toBe(true);
      expect(qdq.metadata.dtype).toBe('int8-qdq');
      expect(qdq.sha256).not.toBe(fp32.sha256);
      const queries = [1, 2, 3, 4, 5].map(exampleQuery);
      const a = await fp32.embed(queries);
      const b = await qdq.embed(queries);
      for (let i = 0; i < queries.length; i++) {
        let dot = 0;
        for (let j = 0; j < a[i].length; j++) dot += a[i][j] * b[i][j];
        expect(dot, `cosine of query ${i + 1}'s fp32 and int8-qdq embeddings`).toBeGreaterThan(0.995); // both unit length
      }
      const readme = await qdq.rank(exampleQuery(2), await qdq.supportSet(exampleSupport));
      expect(readme[0].label).toBe('tengwar-02');
      expect(readme.accepted).toBe(true);
    } finally {
      await fp32.dispose();
      await qdq.dispose();
    }
  });

  it('with a model file, dtype checks the file instead, naming both', async () => {
    const error = await loadModel(bundledModelPath('fp32'), { dtype: 'int8-qdq' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiameseError);
    expect((error as SiameseError).code).toBe('MODEL_INVALID');
    expect((error as SiameseError).message).toMatch(/is fp32, not the requested dtype int8-qdq$/);
    const model = await loadModel(bundledModelPath('int8-qdq'), { dtype: 'int8-qdq' });
    expect(model.metadata.dtype).toBe('int8-qdq');
    await model.dispose();
  });

  it('the CLI takes --dtype and reports it; a bad one is a usage error', async () => {
    const cli = join(__dirname, '..', 'dist', 'cli.js');
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [cli, ...args], { timeout: 60_000 }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const info = await run('info', '--dtype', 'int8-qdq', '--json');
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout).metadata.dtype).toBe('int8-qdq');
    const ranked = await run('rank', exampleQuery(2), exampleSupport, '--dtype', 'int8-qdq', '--k', '2');
    expect(ranked.code).toBe(0);
    expect(ranked.stdout).toMatch(/^\*\s+1 tengwar-02/m);
    const bad = await run('info', '--dtype', 'fp8');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--dtype must be fp32 or int8-qdq \(got fp8\)/);
  });
});
