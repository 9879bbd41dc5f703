import { describe, expect, it } from 'vitest';
import { EmbeddingModel, type RawImage, SiameseError, dot, preprocessImage } from '../src/index.js';
import { LinearBackend, makeModel, squareImage, tinyMetadata } from './helpers.js';

describe('EmbeddingModel (over a pure-JS linear backend)', () => {
  it('embeds = preprocess → backend → L2-normalise, identically for any batch size', async () => {
    const backend = new LinearBackend();
    const images = Array.from({ length: 11 }, (_, i) => squareImage(i % 6, (i * 3) % 6));
    const expected = images.map((img) => {
      const e = backend.project(preprocessImage(img, tinyMetadata()));
      const n = Math.hypot(...e);
      return e.map((x) => x / n);
    });
    for (const batchSize of [1, 4, 64]) {
      const b = new LinearBackend();
      const embeddings = await makeModel(b, batchSize).embed(images);
      expect(embeddings).toHaveLength(11);
      embeddings.forEach((e, i) => {
        expect(Math.hypot(...e)).toBeCloseTo(1, 5);
        for (let d = 0; d < 4; d++) expect(e[d]).toBeCloseTo(expected[i][d], 5);
      });
      expect(b.runs.reduce((s, n) => s + n, 0)).toBe(11);
      expect(Math.max(...b.runs)).toBeLessThanOrEqual(batchSize);
    }
    const single = await makeModel().embed(images[3]);
    expect(single).toBeInstanceOf(Float32Array);
    expect(await makeModel().embed([])).toEqual([]);
  });

  it('does not mutate the caller’s images or array', async () => {
    const images = [squareImage(0, 0), squareImage(4, 4)];
    const copies = images.map((i) => i.data.slice());
    await makeModel().embed(images);
    expect(images).toHaveLength(2);
    images.forEach((img, i) => expect(img.data).toEqual(copies[i]));
  });

  it('names the failing index in a batch and keeps the error code', async () => {
    const images: RawImage[] = [squareImage(0, 0), squareImage(1, 1), { data: new Uint8Array(0), width: 0, height: 8, channels: 1 }, squareImage(2, 2)];
    const error = await makeModel(undefined, 2).embed(images).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SiameseError);
    expect((error as SiameseError).code).toBe('IMAGE_EMPTY');
    expect((error as SiameseError).details.index).toBe(2);
    expect((error as SiameseError).message).toMatch(/image 2/);
  });

  it('wraps decoder crashes as IMAGE_DECODE with the index', async () => {
    const model = new EmbeddingModel<string>({
      metadata: tinyMetadata(),
      backend: new LinearBackend(),
      fingerprint: 'x',
      decode: (s) => {
        if (s === 'bad') throw new RangeError('boom');
        return squareImage(0, 0);
      },
    });
    await expect(model.embed(['ok', 'ok', 'bad'])).rejects.toMatchObject({ code: 'IMAGE_DECODE', details: { index: 2 } });
  });

  it('refuses a backend whose output disagrees with the metadata (MODEL_SHAPE)', async () => {
    await expect(makeModel(new LinearBackend(64, 4, 1)).embed(squareImage(0, 0))).rejects.toMatchObject({ code: 'MODEL_SHAPE' });
  });

  it('similarity: distance, cosine, calibrated probability and same/different', async () => {
    const model = makeModel();
    const same = await model.similarity(squareImage(1, 1), squareImage(1, 1));
    expect(same.distance).toBeCloseTo(0, 3);
    expect(same.similarity).toBeCloseTo(1, 5);
    expect(same.same).toBe(true);
    expect(same.probability).toBeCloseTo(1 / (1 + Math.exp(-4)), 3);
    const [a, b] = await model.embed([squareImage(0, 0), squareImage(5, 5)]);
    const diff = await model.similarity(squareImage(0, 0), squareImage(5, 5));
    expect(diff.similarity).toBeCloseTo(dot(a, b), 5);
    expect(diff.distance).toBeCloseTo(Math.hypot(...a.map((x, i) => x - b[i])), 4);
    expect(diff.same).toBe(diff.distance <= 0.8);
  });

  it('coalesces concurrent single-image calls into few runs with identical answers', async () => {
    const backend = new LinearBackend();
    backend.delayMs = 5;
    const model = makeModel(backend);
    const images = Array.from({ length: 50 }, (_, i) => squareImage(i % 6, Math.floor(i / 6) % 6));
    const sequential = [];
    for (const img of images.slice(0, 5)) sequential.push(await model.embed(img));
    backend.runs.length = 0;
    const concurrent = await Promise.all(images.map((img) => model.embed(img)));
    expect(backend.runs.length).toBeLessThan(10);
    sequential.forEach((e, i) => expect(Array.from(concurrent[i])).toEqual(Array.from(e)));
  });

  it('dispose: queued calls fail with MODEL_DISPOSED, the running one completes, later calls fail', async () => {
    const backend = new LinearBackend();
    backend.delayMs = 20;
    const model = makeModel(backend, 1);
    const calls = [model.embed(squareImage(0, 0)), model.embed(squareImage(1, 1)), model.embed([squareImage(2, 2), squareImage(3, 3)])];
    const settled = Promise.allSettled(calls);
    await new Promise((r) => setTimeout(r, 5));
    await model.dispose();
    const results = await settled;
    expect(backend.disposed).toBe(true);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'MODEL_DISPOSED' });
    }
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    await expect(model.embed(squareImage(0, 0))).rejects.toMatchObject({ code: 'MODEL_DISPOSED' });
    expect(() => model.supportSet({ a: squareImage(0, 0) })).toThrow(/disposed/);
    await model.dispose(); // idempotent
    expect(model.isDisposed).toBe(true);
  });
});
