/**
 * Load: 1,000 concurrent `rank` calls over mixed support sets and mixed query forms give exactly the answers of the
 * same calls made one after another; throughput under concurrency does not collapse (a generous ratio, not a
 * time); a model disposed while hundreds of calls wait fails them cleanly with MODEL_DISPOSED — every promise
 * settles, nothing is rejected unhandled, nothing hangs. Real onnxruntime-node, real Omniglot images.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Jimp } from 'jimp';
import { SiameseError, loadModel, type RawImage, type SiameseModel, type SupportSet } from '../src/index.js';
import type { ImageInput } from '../src/image-input.js';
import { characterImages, exampleQuery, exampleSupport, mechanicsModel } from './helpers.js';

const CALLS = 1_000;

let model: SiameseModel;
let sets: SupportSet<ImageInput>[];
let queries: ImageInput[];

async function raw(path: string): Promise<RawImage> {
  const { data, width, height } = (await Jimp.read(path)).bitmap;
  return { data: new Uint8Array(data), width, height, channels: 4 };
}

beforeAll(async () => {
  model = await loadModel(mechanicsModel(), { threads: 1 });
  const tengwar = await model.supportSet(exampleSupport);
  const manipuri = await model.supportSet(Object.fromEntries([1, 2, 3, 4, 5, 6].map((c) => [`manipuri-${c}`, characterImages('Manipuri', c, 2)])));
  const mixed = await model.supportSet({ ...Object.fromEntries([7, 8].map((c) => [`manipuri-${c}`, characterImages('Manipuri', c, 3)])), tengwar: characterImages('Tengwar', 9, 1) });
  sets = [tengwar, manipuri, mixed];
  // Paths, bytes and decoded pixels: each query form takes its own route through decoding.
  const paths = [1, 2, 3, 4, 5].map(exampleQuery).concat(characterImages('Manipuri', 1, 20).slice(10, 15));
  queries = [...paths, ...paths.slice(0, 5).map((p) => readFileSync(p)), ...(await Promise.all(paths.slice(5).map(raw)))];
}, 120_000);

afterAll(async () => {
  await model?.dispose();
});

const call = (i: number) => model.rank(queries[i % queries.length], sets[i % sets.length], { k: 5, strategy: i % 2 ? 'nearest' : 'prototype' });
const answer = (r: Awaited<ReturnType<typeof call>>) => ({ labels: r.map((m) => m.label), scores: r.map((m) => m.score), accepted: r.accepted });

describe('load', () => {
  it(`${CALLS} concurrent rank calls over mixed support sets equal the sequential answers; throughput holds`, async () => {
    let started = performance.now();
    const sequential: ReturnType<typeof answer>[] = [];
    for (let i = 0; i < CALLS; i++) sequential.push(answer(await call(i)));
    const sequentialMs = performance.now() - started;
    started = performance.now();
    const concurrent = (await Promise.all(Array.from({ length: CALLS }, (_, i) => call(i)))).map(answer);
    const concurrentMs = performance.now() - started;
    console.log(`${CALLS} rank calls: sequential ${sequentialMs.toFixed(0)} ms, concurrent ${concurrentMs.toFixed(0)} ms (${(sequentialMs / concurrentMs).toFixed(2)}× the sequential throughput)`);
    for (let i = 0; i < CALLS; i++) {
      expect(concurrent[i].labels, `call ${i}`).toEqual(sequential[i].labels);
      expect(concurrent[i].accepted, `call ${i}`).toBe(sequential[i].accepted);
      // Coalesced batches may run other kernels than single images: equal to float32 rounding.
      concurrent[i].scores.forEach((s, j) => expect(Math.abs(s - sequential[i].scores[j]), `call ${i}`).toBeLessThan(1e-5));
    }
    // Different answers per set and query: the comparison above is not trivially satisfied.
    expect(new Set(sequential.map((a) => a.labels[0])).size).toBeGreaterThan(3);
    expect(sequentialMs / concurrentMs).toBeGreaterThan(0.5);
  }, 300_000);

  it('a model disposed mid-flight fails every waiting call with MODEL_DISPOSED; all settle, none unhandled', async () => {
    const victim = await loadModel(mechanicsModel(), { threads: 1 });
    const set = await victim.supportSet(exampleSupport);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const calls = Array.from({ length: 500 }, (_, i) =>
        i % 3 === 0 ? victim.embed(queries[i % queries.length]) : i % 3 === 1 ? victim.rank(queries[i % queries.length], set) : victim.similarity(queries[0], queries[i % queries.length]),
      );
      await new Promise((r) => setTimeout(r, 5));
      const disposing = victim.dispose();
      const settled = await Promise.race([Promise.allSettled(calls), new Promise<'hang'>((r) => setTimeout(() => r('hang'), 30_000))]);
      expect(settled).not.toBe('hang');
      await disposing;
      const results = settled as PromiseSettledResult<unknown>[];
      const rejected = results.filter((r) => r.status === 'rejected');
      console.log(`dispose mid-flight: ${results.length - rejected.length} calls finished first, ${rejected.length} failed with MODEL_DISPOSED`);
      expect(rejected.length).toBeGreaterThan(0);
      for (const r of rejected) {
        expect(r.reason).toBeInstanceOf(SiameseError);
        expect((r.reason as SiameseError).code).toBe('MODEL_DISPOSED');
      }
      await expect(victim.rank(queries[0], set)).rejects.toMatchObject({ code: 'MODEL_DISPOSED' });
      await expect(set.rank(queries[0])).rejects.toMatchObject({ code: 'MODEL_DISPOSED' });
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 60_000);
});
