import { describe, expect, it } from 'vitest';
import { EmbeddingModel, InferenceQueue, type RawImage, SiameseError, TopK, preprocessImage, rankEmbedding, buildEmbeddingIndex, resolveRankOptions, topLabels } from '../src/index.js';
import { LinearBackend, makeModel, squareImage, tinyMetadata } from './helpers.js';

/** A LinearBackend that fails the test if its input changes while a run is in flight. */
class WatchfulBackend extends LinearBackend {
  readonly inputs = new Set<Float32Array>();
  overwrittenInFlight = 0;
  override async run(input: Float32Array, n: number): Promise<Float32Array> {
    this.inputs.add(input);
    const before = input.slice();
    const out = await super.run(input, n);
    if (input.some((v, i) => v !== before[i])) this.overwrittenInFlight++;
    return out;
  }
}

describe('the one-image path (rank queries, embed(image))', () => {
  it('reuses its input buffer between calls, never while a run is in flight, and answers like a batch', async () => {
    const backend = new WatchfulBackend();
    backend.delayMs = 2;
    const model = makeModel(backend);
    const images = Array.from({ length: 24 }, (_, i) => squareImage(i % 6, Math.floor(i / 6) % 6));
    const batch = await makeModel().embed(images);
    const sequential: Float32Array[] = [];
    for (const img of images) sequential.push(await model.embed(img));
    // Sequential one-image calls share a few pooled buffers instead of allocating one each.
    expect(backend.inputs.size).toBeLessThanOrEqual(2);
    const concurrent = await Promise.all(images.map((img) => model.embed(img)));
    const interleaved = await Promise.all(images.map(async (img, i) => {
      await new Promise((r) => setTimeout(r, i % 3));
      return model.embed(img);
    }));
    expect(backend.overwrittenInFlight).toBe(0);
    for (const results of [sequential, concurrent, interleaved]) {
      results.forEach((e, i) => expect(Array.from(e)).toEqual(Array.from(batch[i])));
    }
  });

  it('returns a private array per call', async () => {
    const model = makeModel();
    const a = await model.embed(squareImage(0, 0));
    const copy = a.slice();
    const b = await model.embed(squareImage(0, 0));
    expect(b).not.toBe(a);
    b.fill(0);
    expect(a).toEqual(copy);
    expect(a.buffer.byteLength).toBe(a.byteLength);
  });

  it('keeps typed errors with index 0 (decode, preprocess, model output, disposal)', async () => {
    const decodeFails = new EmbeddingModel<string>({
      metadata: tinyMetadata(),
      backend: new LinearBackend(),
      fingerprint: 'x',
      decode: () => {
        throw new RangeError('boom');
      },
    });
    await expect(decodeFails.embed('x')).rejects.toMatchObject({ code: 'IMAGE_DECODE', details: { index: 0 } });
    const asyncDecodeFails = new EmbeddingModel<string>({ metadata: tinyMetadata(), backend: new LinearBackend(), fingerprint: 'x', decode: async () => Promise.reject(new Error('late')) });
    await expect(asyncDecodeFails.embed('x')).rejects.toMatchObject({ code: 'IMAGE_DECODE', details: { index: 0 } });

    const model = makeModel();
    const empty: RawImage = { data: new Uint8Array(0), width: 0, height: 8, channels: 1 };
    const error = await model.embed(empty).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiameseError);
    expect(error).toMatchObject({ code: 'IMAGE_EMPTY', details: { index: 0 } });
    // The buffer of a failed call goes back to the pool intact: the next call still answers correctly.
    expect(Array.from(await model.embed(squareImage(2, 2)))).toEqual(Array.from((await makeModel().embed([squareImage(2, 2)]))[0]));

    const nan = new LinearBackend();
    nan.weights.fill(Number.NaN);
    await expect(makeModel(nan).embed(squareImage(0, 0))).rejects.toMatchObject({ code: 'MODEL_INVALID', details: { index: 0 } });

    const set = await model.supportSet({ a: squareImage(0, 0) });
    await expect(set.rank(empty)).rejects.toMatchObject({ code: 'IMAGE_EMPTY', details: { index: 0, query: true } });
    await expect(set.rank(squareImage(0, 0), { k: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await model.dispose();
    await expect(model.embed(squareImage(0, 0))).rejects.toMatchObject({ code: 'MODEL_DISPOSED' });
    await expect(model.embedBatch([squareImage(0, 0)])).rejects.toMatchObject({ code: 'MODEL_DISPOSED' });
  });

  it('accepts a preprocessed image and refuses one of the wrong size', async () => {
    const metadata = tinyMetadata();
    const image = squareImage(3, 3);
    const model = new EmbeddingModel<{ preprocessed: Float32Array }>({ metadata, backend: new LinearBackend(), fingerprint: 'x', decode: (x) => x });
    const e = await model.embed({ preprocessed: preprocessImage(image, metadata) });
    expect(Array.from(e)).toEqual(Array.from(await makeModel().embed(image)));
    await expect(model.embed({ preprocessed: new Float32Array(3) })).rejects.toMatchObject({ code: 'MODEL_SHAPE', details: { index: 0 } });
  });
});

describe('InferenceQueue release', () => {
  it('hands each input back once, after its run (or when it will never run)', async () => {
    const backend = new LinearBackend();
    backend.delayMs = 5;
    const queue = new InferenceQueue(backend, 64, 4, 8);
    const events: string[] = [];
    const inputs = [0, 1, 2].map(() => new Float32Array(64).fill(1));
    const calls = inputs.map((input, i) =>
      queue.run(input, 1, (released) => {
        expect(released).toBe(input);
        events.push(`release ${i}`);
      }).then(() => events.push(`resolve ${i}`), () => events.push(`reject ${i}`)),
    );
    await Promise.all(calls);
    // Call 0 ran alone; 1 and 2 coalesced into the next run. Each released before it settled.
    expect(backend.runs).toEqual([1, 2]);
    expect(events).toEqual(['release 0', 'resolve 0', 'release 1', 'release 2', 'resolve 1', 'resolve 2']);

    const released: number[] = [];
    const running = queue.run(new Float32Array(64), 1, () => released.push(0));
    const queued = queue.run(new Float32Array(64), 1, () => released.push(1));
    const closing = queue.close();
    await expect(queued).rejects.toMatchObject({ code: 'MODEL_DISPOSED' });
    await expect(running).resolves.toHaveLength(4);
    await closing;
    expect(released.sort()).toEqual([0, 1]);
    let late = false;
    await expect(queue.run(new Float32Array(64), 1, () => (late = true))).rejects.toMatchObject({ code: 'MODEL_DISPOSED' });
    expect(late).toBe(true);
  });
});

describe('ranking without per-query intermediates', () => {
  it('TopK.sortInPlace orders best first (ties: lower id) and stays a valid heap', () => {
    let seed = 3;
    const r = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const k of [1, 4, 32, 33, 100]) {
      const top = new TopK(k);
      const scores = Array.from({ length: 400 }, () => Math.round(r() * 50) / 50); // many ties
      scores.forEach((s, i) => top.push(i, s));
      const expected = top.sorted();
      top.sortInPlace();
      expect(Array.from({ length: top.length }, (_, i) => ({ id: top.idAt(i), score: top.scoreAt(i) }))).toEqual(expected);
      // Still a heap: more pushes keep the k best.
      top.push(1000, 2);
      expect(top.sorted()[0]).toEqual({ id: 1000, score: 2 });
      top.clear();
      expect(top.length).toBe(0);
      expect(top.sorted()).toEqual([]);
    }
  });

  it('rankEmbedding answers alike across k, strategies and repeated calls (shared scratch heap)', () => {
    const dim = 4;
    const unit = (v: number[]) => {
      const n = Math.hypot(...v);
      return Float32Array.from(v, (x) => x / n);
    };
    const groups = Array.from({ length: 12 }, (_, g) => ({ label: `l${g}`, embeddings: [unit([Math.sin(g), Math.cos(g), g % 3, 1]), unit([Math.sin(g + 0.2), Math.cos(g), 1, g % 2])] }));
    const index = buildEmbeddingIndex(groups, dim);
    const query = unit([0.3, 0.8, 0.1, 0.5]);
    const context = tinyMetadata();
    for (const strategy of ['prototype', 'nearest'] as const) {
      const all = topLabels(index, query, Infinity, strategy);
      for (const k of [1, 3, 12, 3, Infinity, 1]) {
        const result = rankEmbedding(index, query, resolveRankOptions({ k, strategy }, context.calibration), context);
        expect(result.map((m) => [m.label, m.score])).toEqual(all.slice(0, Math.min(k, 12)).map(({ id, score }) => [`l${id}`, score]));
        expect(result.best).toBe(result[0]);
      }
    }
  });
});
