/**
 * Core does not load the approximate index itself: an SDK provides it (Node: the builder, eagerly; web: a loader of
 * a lazy chunk). Without one, an approximate set ranks exactly; with a loader, async calls wait for it. The tests of
 * this file run in order on one registry (vitest gives each file its own modules).
 */
import { describe, expect, it } from 'vitest';
import { ApproximateIndex, type ApproximateIndexBuilder, SiameseError, SupportSet, provideApproximateIndex } from '../src/index.js';
import { makeModel, squareImage } from './helpers.js';

/** A seeded gallery of `rows` one-example labels with 4-d unit embeddings, and a few queries. */
function gallery(rows: number): { embeddings: Float32Array[]; queries: Float32Array[] } {
  let s = 7;
  const uniform = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const unit = () => {
    const v = Float32Array.from({ length: 4 }, uniform);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  return { embeddings: Array.from({ length: rows }, unit), queries: Array.from({ length: 20 }, unit) };
}

const { embeddings, queries } = gallery(3000);
const model = makeModel();
function filled(options?: Parameters<typeof SupportSet.empty>[1]): SupportSet<unknown> {
  const set = SupportSet.empty(model, options);
  embeddings.forEach((e, i) => set.addEmbeddings(`g${i}`, e));
  return set;
}
const exact = filled();
const approximateOptions = { index: 'approximate', approximate: { lists: 30, probes: 3 } } as const;

/** A loader the test resolves or rejects by hand, counting its calls. */
function manualLoader(): { load: () => Promise<ApproximateIndexBuilder>; calls: number; settle: (error?: Error) => void } {
  const pending: { resolve: (b: ApproximateIndexBuilder) => void; reject: (e: Error) => void }[] = [];
  const loader = {
    calls: 0,
    load: () => {
      loader.calls++;
      return new Promise<ApproximateIndexBuilder>((resolve, reject) => pending.push({ resolve, reject }));
    },
    settle: (error?: Error) => {
      const next = pending.shift();
      if (error) next?.reject(error);
      else next?.resolve(ApproximateIndex.build);
    },
  };
  return loader;
}

describe('approximate index provider', () => {
  it('without a provider, an approximate set ranks exactly: same answers, and no index reported', async () => {
    const set = filled(approximateOptions);
    expect(set.searchKind).toBe('approximate'); // what was asked for
    expect(set.approximateIndex()).toBeUndefined(); // what serves it: exact search
    for (const q of queries) expect(JSON.stringify(set.rankEmbedding(q, { k: 5 }))).toBe(JSON.stringify(exact.rankEmbedding(q, { k: 5 })));
    // The async path does not wait for anything either.
    const created = await model.supportSet({ a: squareImage(0, 0), b: squareImage(5, 5) }, { index: 'approximate' });
    expect(created.approximateIndex()).toBeUndefined();
    expect((await created.rank(squareImage(0, 0)))[0].label).toBe('a');
  });

  it('with a builder (the Node SDK), it searches approximately and agrees with exact search at the top', () => {
    provideApproximateIndex({ build: ApproximateIndex.build });
    const set = filled(approximateOptions);
    expect(set.approximateIndex()).toBeInstanceOf(ApproximateIndex);
    let agree = 0;
    for (const q of queries) if (set.rankEmbedding(q)[0].label === exact.rankEmbedding(q)[0].label) agree++;
    expect(agree).toBeGreaterThanOrEqual(18);
    // Exact sets never build one.
    expect(exact.approximateIndex()).toBeUndefined();
  });

  it('with a loader (the web SDK), sync calls search exactly until it has loaded and async calls wait for it', async () => {
    const loader = manualLoader();
    provideApproximateIndex(loader);
    // An exact set asks for nothing.
    filled().rankEmbedding(queries[0]);
    await model.supportSet({ a: squareImage(0, 0) });
    expect(loader.calls).toBe(0);

    // Asking for approximate search starts the load; a sync rank before it arrives is exact.
    const set = filled(approximateOptions);
    expect(loader.calls).toBe(1);
    expect(set.approximateIndex()).toBeUndefined();
    expect(JSON.stringify(set.rankEmbedding(queries[0]))).toBe(JSON.stringify(exact.rankEmbedding(queries[0])));

    // The first failure reaches the async caller; the next call loads again.
    const small = SupportSet.empty(model, { index: 'approximate' }).addEmbeddings('a', embeddings[0]).addEmbeddings('b', embeddings[1]);
    const failed = small.rank(squareImage(0, 0));
    loader.settle(new SiameseError('BACKEND', 'chunk unavailable'));
    await expect(failed).rejects.toMatchObject({ code: 'BACKEND' });
    expect(set.approximateIndex()).toBeUndefined();

    let done = false;
    const ranked = small.rank(squareImage(0, 0)).then((result) => {
      done = true;
      return result;
    });
    expect(loader.calls).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false); // waiting for the index, not ranked exactly meanwhile
    loader.settle();
    expect((await ranked)).toHaveLength(2);
    expect(small.approximateIndex()).toBeInstanceOf(ApproximateIndex);
    expect(set.approximateIndex()).toBeInstanceOf(ApproximateIndex);
    expect(loader.calls).toBe(2); // loaded once for every set
  });

  it('a set created for approximate search waits for the load, so its sync calls are approximate at once', async () => {
    const loader = manualLoader();
    provideApproximateIndex(loader);
    const creating = model.supportSet({ a: squareImage(0, 0), b: squareImage(5, 5) }, { index: 'approximate' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    loader.settle();
    const set = await creating;
    expect(set.approximateIndex()).toBeInstanceOf(ApproximateIndex);
    expect(set.rankEmbedding(embeddings[0])).toHaveLength(2);
    // An embedding error comes first, even when the load fails too; nothing is left unhandled.
    const other = manualLoader();
    provideApproximateIndex(other);
    const bad = model.supportSet({ a: { data: new Uint8Array(3), width: 8, height: 8, channels: 1 } }, { index: 'approximate' });
    other.settle(new SiameseError('BACKEND', 'chunk unavailable'));
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it("'auto' on a small set searches exactly and neither loads nor needs the index", async () => {
    const loader = manualLoader();
    provideApproximateIndex(loader);
    const set = await model.supportSet({ a: squareImage(0, 0), b: squareImage(5, 5) }, { index: 'auto' });
    expect(set.searchKind).toBe('exact');
    expect((await set.rank(squareImage(0, 0)))[0].label).toBe('a');
    SupportSet.empty(model).addEmbeddings('a', embeddings[0]).setSearch({ index: 'auto' });
    expect(loader.calls).toBe(0); // a missing chunk cannot fail what does not use it
  });
});
