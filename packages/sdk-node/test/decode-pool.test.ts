/** The worker pool's lifecycle: closing it while a batch is decoding settles that batch instead of leaving it waiting. */
import { afterAll, describe, expect, it } from 'vitest';
import { SiameseError, closeDecodePool, loadModel } from '../src/index.js';
import { sharedDecodePool } from '../src/decode-pool.js';
import { characterImages, mechanicsModel } from './helpers.js';

afterAll(() => closeDecodePool());

/** `promise`'s outcome, or 'still waiting' after `ms` (a hang is a failed assertion, not a test timeout). */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'still waiting'> {
  return Promise.race([
    promise.then((value) => ({ value }), (error: unknown) => ({ error })),
    new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms).unref()),
  ]);
}

describe('closeDecodePool', () => {
  it('while a batch is decoding on the workers: the batch fails with IMAGE_DECODE "decode pool closed"; later batches start a new pool', async () => {
    const model = await loadModel(mechanicsModel(), { device: 'cpu', threads: 1, workerThreshold: 2 });
    try {
      const files = characterImages('Tengwar', 1, 20); // fewer than the pool holds in flight: every job is on a worker
      const settled = settleWithin(model.embed(files), 10_000); // observed from the start: it fails during the close
      await closeDecodePool();
      const outcome = await settled;
      expect(outcome).not.toBe('still waiting');
      const error = (outcome as { error: unknown }).error;
      expect(error).toBeInstanceOf(SiameseError);
      expect(error).toMatchObject({ code: 'IMAGE_DECODE', details: { index: 0 } });
      expect((error as Error).message).toMatch(/decode pool closed/);
      // The next batch gets fresh workers and decodes as before.
      const again = await settleWithin(model.embed(files), 20_000);
      expect(again).toMatchObject({ value: expect.any(Array) });
      expect((again as { value: Float32Array[] }).value).toHaveLength(files.length);
    } finally {
      await model.dispose();
    }
  });

  it('a decode that took the pool before it closed (then awaited a fetch or a Blob) is refused, not given a new worker', async () => {
    const pool = sharedDecodePool();
    expect(pool).not.toBeNull();
    await closeDecodePool();
    const target = { input: { width: 28, height: 28, channels: 1 as const }, preprocess: { resize: 'area' as const, background: [255, 255, 255] as [number, number, number], invert: true, mean: [0], std: [1] } };
    const late = pool!.decode({ bytes: new Uint8Array(8) }, { maxPixels: 1e6, png: 'fast' }, target);
    await expect(late).rejects.toMatchObject({ code: 'IMAGE_DECODE', message: expect.stringMatching(/decode pool closed/) });
    expect(sharedDecodePool()).not.toBe(pool); // later calls get a new pool
  });
});
