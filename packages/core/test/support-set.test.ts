import { describe, expect, it } from 'vitest';
import { SiameseError, SupportSet, l2Normalize } from '../src/index.js';
import { LinearBackend, makeModel, squareImage } from './helpers.js';

const entries = {
  topLeft: [squareImage(0, 0), squareImage(1, 0)],
  bottomRight: [squareImage(5, 5), squareImage(4, 5)],
  middle: squareImage(3, 2),
};

describe('support sets and rank', () => {
  it('accepts the record, Map and pair-list forms alike', async () => {
    const model = makeModel();
    const fromRecord = await model.supportSet(entries);
    const fromMap = await model.supportSet(new Map(Object.entries(entries)));
    const fromPairs = await model.supportSet([
      { label: 'topLeft', image: squareImage(0, 0) },
      { label: 'bottomRight', image: squareImage(5, 5) },
      { label: 'topLeft', image: squareImage(1, 0) },
      { label: 'bottomRight', image: squareImage(4, 5) },
      { label: 'middle', image: squareImage(3, 2) },
    ]);
    for (const set of [fromRecord, fromMap, fromPairs]) {
      expect(set.labels.sort()).toEqual(['bottomRight', 'middle', 'topLeft']);
      expect(set.exampleCount).toBe(5);
      expect(set.embeddingsOf('topLeft')).toEqual(fromRecord.embeddingsOf('topLeft'));
    }
  });

  it('ranks the right label first with consistent score, distance and probability', async () => {
    const model = makeModel();
    const set = await model.supportSet(entries);
    // A query identical to one example: with 'nearest' its label must score exactly 1 and come first.
    const result = await model.rank(squareImage(1, 0), set, { k: 3, strategy: 'nearest' });
    expect(result.map((m) => m.label)[0]).toBe('topLeft');
    expect(result[0].score).toBeCloseTo(1, 5);
    expect(result).toHaveLength(3);
    expect(result.best).toBe(result[0]);
    for (let i = 1; i < result.length; i++) expect(result[i].score).toBeLessThanOrEqual(result[i - 1].score);
    for (const m of result) {
      expect(m.distance).toBeCloseTo(Math.sqrt(2 - 2 * m.score), 5);
      expect(m.probability).toBeCloseTo(1 / (1 + Math.exp(6 * m.distance - 4)), 6);
    }
    expect(result.accepted).toBe(result.best.distance <= 0.8);
    expect(result.unknown).toBe(!result.accepted);
    const strict = await set.rank(squareImage(0, 1), { threshold: -1 });
    expect(strict.unknown).toBe(true);
    expect(strict.threshold).toBe(-1);
    expect((await set.rank(squareImage(0, 1), { k: 1 })).length).toBe(1);
  });

  it('prototype uses the re-normalised mean, nearest the best single example', async () => {
    const model = makeModel();
    const set = await model.supportSet(entries);
    const q = await model.embed(squareImage(1, 1));
    const byProto = set.rankEmbedding(q, { k: 3, strategy: 'prototype' });
    const byNearest = set.rankEmbedding(q, { k: 3, strategy: 'nearest' });
    const [a, b] = set.embeddingsOf('topLeft');
    const proto = l2Normalize(a.map((x, i) => x + b[i]));
    const protoScore = proto.reduce((s, x, i) => s + x * q[i], 0);
    const nearestScore = Math.max(a.reduce((s, x, i) => s + x * q[i], 0), b.reduce((s, x, i) => s + x * q[i], 0));
    expect(byProto.find((m) => m.label === 'topLeft')!.score).toBeCloseTo(protoScore, 5);
    expect(byNearest.find((m) => m.label === 'topLeft')!.score).toBeCloseTo(nearestScore, 5);
    expect(byNearest.strategy).toBe('nearest');
  });

  it('a gallery (one example per label) shares one matrix, and nearest = prototype there', () => {
    const model = makeModel();
    const set = SupportSet.empty(model);
    for (let i = 0; i < 300; i++) set.addEmbeddings(`g${i}`, [Float32Array.from({ length: 4 }, (_, d) => Math.sin(i * 7 + d * 3))]);
    const index = set.index();
    expect(index.prototypes).toBe(index.examples);
    const q = l2Normalize(Float32Array.from([0.3, -0.2, 0.9, 0.1]));
    const a = set.rankEmbedding(q, { k: 10, strategy: 'nearest' });
    const b = set.rankEmbedding(q, { k: 10, strategy: 'prototype' });
    expect(a.map((m) => [m.label, m.score])).toEqual(b.map((m) => [m.label, m.score]));
    // Brute force agrees.
    const brute = set.labels.map((label) => ({ label, score: set.embeddingsOf(label)[0].reduce((s, x, d) => s + x * q[d], 0) })).sort((x, y) => y.score - x.score);
    expect(a.map((m) => m.label)).toEqual(brute.slice(0, 10).map((m) => m.label));
  });

  it('add, remove and addEmbeddings keep the cached index in step', async () => {
    const model = makeModel();
    const set = await model.supportSet({ middle: squareImage(3, 2) });
    await set.add({ corner: squareImage(5, 5) });
    expect(set.labels).toEqual(['middle', 'corner']);
    expect((await set.rank(squareImage(5, 5))).best.label).toBe('corner');
    expect(set.remove('corner')).toBe(true);
    expect(set.remove('corner')).toBe(false);
    expect((await set.rank(squareImage(5, 5))).best.label).toBe('middle');
    set.addEmbeddings('direct', [await model.embed(squareImage(5, 5))]);
    expect((await set.rank(squareImage(5, 5))).best.label).toBe('direct');
    set.remove('middle');
    set.remove('direct');
    await expect(set.rank(squareImage(0, 0))).rejects.toMatchObject({ code: 'SUPPORT_SET_EMPTY' });
  });

  it('a zero embedding is refused (it could not be compared, nor reloaded from JSON); what is accepted round-trips', async () => {
    const model = makeModel();
    const set = await model.supportSet({ a: squareImage(0, 0) });
    const dim = set.embeddingSize;
    let error: unknown;
    try {
      set.addEmbeddings('zero', [Float32Array.from({ length: dim }, (_, d) => (d === 0 ? 1 : 0)), new Float32Array(dim)]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { label: 'zero', index: 1 } });
    expect((error as Error).message).toMatch(/all zeros/);
    expect(set.labels).toEqual(['a']);
    set.addEmbeddings('tiny', [Float32Array.from({ length: dim }, () => 1e-20)]);
    const reloaded = model.supportSetFromJSON(JSON.stringify(set.toJSON()));
    expect(reloaded.labels).toEqual(['a', 'tiny']);
    expect(reloaded.embeddingsOf('tiny')).toEqual(set.embeddingsOf('tiny'));
  });

  it('a set built by one loaded copy of a model ranks with another copy after the first is disposed', async () => {
    const first = makeModel();
    const set = await first.supportSet(entries);
    const expected = await first.rank(squareImage(1, 0), set, { k: 3 });
    await first.dispose();
    const second = makeModel(); // the same file loaded again: same fingerprint
    const result = await second.rank(squareImage(1, 0), set, { k: 3 });
    expect(result.map((m) => [m.label, m.score])).toEqual(expected.map((m) => [m.label, m.score]));
    // The set's own rank still uses the model that built it, which is gone.
    await expect(set.rank(squareImage(1, 0))).rejects.toMatchObject({ code: 'MODEL_DISPOSED' });
  });

  it('failed add leaves the set unchanged and names the label and image', async () => {
    const model = makeModel();
    const set = await model.supportSet({ a: squareImage(0, 0) });
    const bad = { data: new Uint8Array(3), width: 8, height: 8, channels: 1 as const };
    const error = (await set.add({ b: squareImage(1, 1), c: [squareImage(2, 2), bad] }).catch((e: unknown) => e)) as SiameseError;
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.details).toMatchObject({ label: 'c', index: 1 });
    expect(error.message).toMatch(/label "c", image 1/);
    expect(set.labels).toEqual(['a']);
  });

  it('refuses empty sets, empty labels, bad labels and bad options with typed errors', async () => {
    const model = makeModel();
    await expect(model.supportSet({})).rejects.toMatchObject({ code: 'SUPPORT_SET_EMPTY' });
    await expect(model.supportSet(new Map())).rejects.toMatchObject({ code: 'SUPPORT_SET_EMPTY' });
    await expect(model.supportSet([])).rejects.toMatchObject({ code: 'SUPPORT_SET_EMPTY' });
    await expect(model.supportSet({ a: [] })).rejects.toMatchObject({ code: 'SUPPORT_LABEL_EMPTY', details: { label: 'a' } });
    await expect(model.supportSet({ '': squareImage(0, 0) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(model.supportSet({ ['x'.repeat(5000)]: squareImage(0, 0) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(model.supportSet(JSON.parse('{"__proto__": 1}'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(model.supportSet([{ label: 'a' }] as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { index: 0 } });
    await expect(model.supportSet('dir' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const set = await model.supportSet({ a: squareImage(0, 0) });
    await expect(set.rank(squareImage(0, 0), { k: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(set.rank(squareImage(0, 0), { strategy: 'mean' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    for (const threshold of [Infinity, -Infinity, Number.NaN]) {
      await expect(set.rank(squareImage(0, 0), { threshold })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    // Bad options fail before the support images are embedded (a directory of thousands would be wasted work).
    const counting = new LinearBackend();
    const watched = makeModel(counting);
    await expect(watched.rank(squareImage(0, 0), entries, { k: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(counting.runs).toEqual([]);
    const other = await makeModel().supportSet({ a: squareImage(0, 0) });
    expect(other.model).not.toBe(model);
  });
});

describe('support set JSON', () => {
  it('round-trips exactly and ranks identically without the images', async () => {
    const model = makeModel();
    const set = await model.supportSet(entries);
    const text = JSON.stringify(set);
    const restored = model.supportSetFromJSON(text);
    expect(restored.labels).toEqual(set.labels);
    for (const l of set.labels) expect(restored.embeddingsOf(l)).toEqual(set.embeddingsOf(l));
    const q = squareImage(4, 4);
    expect(await restored.rank(q, { k: 3 })).toEqual(await set.rank(q, { k: 3 }));
    expect(SupportSet.fromJSON(model, set.toJSON()).labels).toEqual(set.labels);
  });

  it('refuses hostile or foreign payloads with SUPPORT_SET_INVALID', async () => {
    const model = makeModel();
    const good = (await model.supportSet(entries)).toJSON();
    const mutate = (f: (j: any) => void): string => {
      const j = JSON.parse(JSON.stringify(good));
      f(j);
      return JSON.stringify(j);
    };
    const bad: [string, string][] = [
      ['not json', '{"format":'],
      ['array', '[]'],
      ['wrong format', mutate((j) => (j.format = 'x'))],
      ['wrong version', mutate((j) => (j.version = 2))],
      ['other model', mutate((j) => (j.model.fingerprint = '0000000000000000'))],
      ['other dims', mutate((j) => (j.model.embeddingSize = 8))],
      ['short vector', mutate((j) => j.labels[0].embeddings[0].pop())],
      ['string value', mutate((j) => (j.labels[0].embeddings[0][1] = '0.5'))],
      ['not unit', mutate((j) => (j.labels[0].embeddings[0] = [1, 1, 1, 1]))],
      ['huge label', mutate((j) => (j.labels[0].label = 'x'.repeat(100_000)))],
      ['reserved label', mutate((j) => (j.labels[0].label = 'constructor'))],
      ['duplicate label', mutate((j) => (j.labels[1].label = j.labels[0].label))],
      ['no embeddings', mutate((j) => (j.labels[0].embeddings = []))],
      ['extra key', mutate((j) => (j.extra = 1))],
      ['__proto__ key', JSON.stringify(good).replace('{"format"', '{"__proto__":{"polluted":true},"format"')],
      ['constructor key', JSON.stringify(good).replace('"label":', '"constructor":{},"label":')],
    ];
    for (const [name, payload] of bad) {
      const error = (() => {
        try {
          model.supportSetFromJSON(payload);
        } catch (e) {
          return e;
        }
      })();
      expect(error, name).toBeInstanceOf(SiameseError);
      expect((error as SiameseError).code, name).toBe('SUPPORT_SET_INVALID');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // NaN / Infinity can only arrive in an object payload (JSON has no such numbers).
    const withNaN = JSON.parse(JSON.stringify(good));
    withNaN.labels[0].embeddings[0][0] = Number.NaN;
    expect(() => model.supportSetFromJSON(withNaN)).toThrow(/non-finite/);
    withNaN.labels[0].embeddings[0][0] = Infinity;
    expect(() => model.supportSetFromJSON(withNaN)).toThrow(/non-finite/);
  });
});
