import { readFileSync, mkdirSync, copyFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RankResult, type SiameseModel, SupportSet, closeDecodePool, loadModel, readSupportDirectory } from '../src/index.js';
import { characterImages, errorOf, exampleQuery, exampleSupport, mechanicsModel, tempDir } from './helpers.js';

let model: SiameseModel;
const dir = tempDir();

beforeAll(async () => {
  model = await loadModel(mechanicsModel(), { device: 'cpu' });
});
afterAll(async () => {
  await model.dispose();
  await closeDecodePool();
});

const labels = ['tengwar-01', 'tengwar-02', 'tengwar-03', 'tengwar-04', 'tengwar-05'];

describe('support sets from every form', () => {
  it('a directory, a record of paths, a Map and { label, image } pairs build the same set', async () => {
    const layout = await readSupportDirectory(exampleSupport);
    expect([...layout.keys()]).toEqual(labels);
    const record = Object.fromEntries(layout);
    const pairs = [...layout].flatMap(([label, files]) => files.map((image) => ({ label, image })));
    const sets = await Promise.all([model.supportSet(exampleSupport), model.supportSet(record), model.supportSet(layout), model.supportSet(pairs)]);
    for (const set of sets) {
      expect(set.labels).toEqual(labels);
      expect(set.exampleCount).toBe(10);
      for (const l of labels) expect(set.embeddingsOf(l)).toEqual(sets[0].embeddingsOf(l));
    }
    // Buffers and single images per label work as well.
    const buffers = await model.supportSet({ a: readFileSync(layout.get('tengwar-01')![0]), b: [readFileSync(layout.get('tengwar-02')![0])] });
    expect(buffers.embeddingsOf('a')).toEqual([sets[0].embeddingsOf('tengwar-01')[0]]);
  });

  it('skips hidden entries and non-image files; refuses empty sets and labels without images', async () => {
    const root = join(dir, 'support');
    mkdirSync(join(root, 'alpha'), { recursive: true });
    mkdirSync(join(root, '.hidden'), { recursive: true });
    copyFileSync(exampleQuery(1), join(root, 'alpha', 'one.png'));
    writeFileSync(join(root, 'alpha', 'notes.txt'), 'not an image');
    writeFileSync(join(root, 'README.md'), 'top-level files are not labels');
    expect((await model.supportSet(root)).labels).toEqual(['alpha']);
    mkdirSync(join(root, 'beta'));
    writeFileSync(join(root, 'beta', 'notes.txt'), 'no images here');
    const emptyLabel = await errorOf(() => model.supportSet(root));
    expect(emptyLabel).toMatchObject({ code: 'SUPPORT_LABEL_EMPTY', details: { label: 'beta' } });
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect((await errorOf(() => model.supportSet(empty))).code).toBe('SUPPORT_SET_EMPTY');
    expect((await errorOf(() => model.supportSet(join(dir, 'nowhere')))).code).toBe('NOT_FOUND');
    expect((await errorOf(() => model.supportSet(exampleQuery(1)))).code).toBe('INVALID_ARGUMENT');
    expect((await errorOf(() => model.supportSet({}))).code).toBe('SUPPORT_SET_EMPTY');
    expect((await errorOf(() => model.supportSet({ a: [] }))).code).toBe('SUPPORT_LABEL_EMPTY');
    expect((await errorOf(() => model.rank(exampleQuery(1), {}))).code).toBe('SUPPORT_SET_EMPTY');
  });

  it('follows symbolic links to label folders and images; a dangling link is an error, not a dropped label', async () => {
    const root = join(dir, 'linked-support');
    mkdirSync(join(root, 'real'), { recursive: true });
    copyFileSync(exampleQuery(2), join(root, 'real', 'one.png'));
    // A label folder that is a link, and a label whose only image is a link.
    symlinkSync(join(exampleSupport, 'tengwar-01'), join(root, 'linked'));
    mkdirSync(join(root, 'file-link'));
    symlinkSync(exampleQuery(3), join(root, 'file-link', 'q.png'));
    const layout = await readSupportDirectory(root);
    expect([...layout.keys()]).toEqual(['file-link', 'linked', 'real']);
    expect(layout.get('linked')).toHaveLength(2);
    expect(layout.get('file-link')).toEqual([join(root, 'file-link', 'q.png')]);
    const set = await model.supportSet(root);
    expect(set.exampleCount).toBe(4);
    const direct = await model.supportSet({ linked: [...(await readSupportDirectory(exampleSupport)).get('tengwar-01')!] });
    expect(set.embeddingsOf('linked')).toEqual(direct.embeddingsOf('linked'));
    // The query that belongs to the linked label ranks it, rather than the label being absent.
    expect((await model.rank(exampleQuery(1), root)).map((r) => r.label)).toContain('linked');
    symlinkSync(join(root, 'gone'), join(root, 'dangling'));
    const dangling = await errorOf(() => readSupportDirectory(root));
    expect(dangling).toMatchObject({ code: 'NOT_FOUND', details: { path: join(root, 'dangling') } });
    expect(dangling.message).toMatch(/symbolic link/);
  });

  it('a bad image in a support set names its label and file', async () => {
    const bad = join(dir, 'broken.png');
    writeFileSync(bad, readFileSync(exampleQuery(1)).subarray(0, 60));
    const error = await errorOf(() => model.supportSet({ good: exampleQuery(1), other: [exampleQuery(2), bad] }));
    expect(error.code).toBe('IMAGE_DECODE');
    expect(error.details).toMatchObject({ label: 'other', index: 1, path: bad });
    expect(error.message).toMatch(/label "other", image 1/);
    // One position in the message, the caller's (not also the flat batch position "image 2").
    expect(error.message).toMatch(new RegExp(`^label "other", image 1 \\(${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): `));
    expect(error.message).not.toMatch(/image 2/);
  });
});

describe('rank', () => {
  it('finds an image that is in the support set, with sorted, consistent results', async () => {
    const layout = await readSupportDirectory(exampleSupport);
    const member = layout.get('tengwar-04')![1];
    for (const strategy of ['nearest', 'prototype'] as const) {
      const result = await model.rank(member, exampleSupport, { strategy, k: 5 });
      expect(result).toHaveLength(5);
      expect(result.map((m) => m.label).sort()).toEqual(labels);
      for (let i = 1; i < 5; i++) expect(result[i].score).toBeLessThanOrEqual(result[i - 1].score);
      for (const m of result) {
        expect(m.distance).toBeCloseTo(Math.sqrt(Math.max(0, 2 - 2 * m.score)), 5);
        expect(m.probability).toBeGreaterThanOrEqual(0);
        expect(m.probability).toBeLessThanOrEqual(1);
      }
      if (strategy === 'nearest') {
        expect(result.best.label).toBe('tengwar-04');
        expect(result.best.score).toBeCloseTo(1, 4);
        expect(result.accepted).toBe(true);
      }
    }
    expect(await model.rank(member, exampleSupport, { k: 2 })).toHaveLength(2);
    const none = await model.rank(member, exampleSupport, { threshold: -1 });
    expect(none.unknown).toBe(true);
    expect(none.accepted).toBe(false);
    expect((await model.rank(member, exampleSupport)).threshold).toBe(model.metadata.calibration.threshold);
  });

  it('rejects bad options', async () => {
    const set = await model.supportSet(exampleSupport);
    for (const options of [{ k: 0 }, { k: 1.5 }, { strategy: 'mean' }, { threshold: Number.NaN }]) {
      expect((await errorOf(() => model.rank(exampleQuery(1), set, options as never))).code).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('reusable support sets', () => {
  it('embeds once, then ranks from the cache; add and remove keep it current', async () => {
    const set = await model.supportSet(exampleSupport);
    const query = await model.embed(exampleQuery(2));
    const a = set.rankEmbedding(query, { k: 5 });
    const b = await set.rank(exampleQuery(2), { k: 5 });
    expect(b).toEqual(a);
    expect(await model.rank(exampleQuery(2), set, { k: 5 })).toEqual(a);
    const extra = characterImages('Manipuri', 7, 3);
    await set.add({ manipuri: extra });
    expect(set.labels).toContain('manipuri');
    expect((await set.rank(extra[1], { strategy: 'nearest' })).best.label).toBe('manipuri');
    expect(set.remove('manipuri')).toBe(true);
    expect(set.labels).toEqual(labels);
    expect(await set.rank(exampleQuery(2), { k: 5 })).toEqual(a);
  });

  it('toJSON → file → fromJSON round-trips exactly and refuses another model’s sets', async () => {
    const set = await model.supportSet(exampleSupport);
    const file = join(dir, 'support.json');
    writeFileSync(file, JSON.stringify(set));
    const restored = model.supportSetFromJSON(readFileSync(file, 'utf8'));
    expect(restored).toBeInstanceOf(SupportSet);
    expect(restored.labels).toEqual(set.labels);
    for (const l of labels) expect(restored.embeddingsOf(l)).toEqual(set.embeddingsOf(l));
    expect(await restored.rank(exampleQuery(5), { k: 5 })).toEqual(await set.rank(exampleQuery(5), { k: 5 }));

    const { buildLinearModel } = await import('./onnx-builder.js');
    const other = await loadModel(buildLinearModel({ seed: 99 }));
    const foreign = await errorOf(() => other.supportSetFromJSON(readFileSync(file, 'utf8')));
    expect(foreign.code).toBe('SUPPORT_SET_INVALID');
    expect((await errorOf(() => other.rank(exampleQuery(1), set))).code).toBe('INVALID_ARGUMENT');
    await other.dispose();
  });
});

describe('similarity', () => {
  it('gives distance, cosine similarity, probability and same for two images', async () => {
    const self = await model.similarity(exampleQuery(1), exampleQuery(1));
    expect(self.distance).toBeCloseTo(0, 3);
    expect(self.similarity).toBeCloseTo(1, 5);
    expect(self.same).toBe(true);
    const [a, b] = await model.embed([exampleQuery(1), exampleQuery(4)]);
    const pair = await model.similarity(exampleQuery(1), exampleQuery(4));
    expect(pair.similarity).toBeCloseTo(a.reduce((s, x, i) => s + x * b[i], 0), 5);
    expect(pair.same).toBe(pair.distance <= model.metadata.calibration.threshold);
    const { plattA, plattB } = model.metadata.calibration;
    expect(pair.probability).toBeCloseTo(1 / (1 + Math.exp(plattA * pair.distance + plattB)), 6);
  });
});

describe('embeddings the caller hands back', () => {
  const scaled = (v: Float32Array, k: number) => v.map((x) => x * k);

  it('rankEmbedding refuses NaN, infinite and all-zero queries, and ranks a scaled query as the unit one', async () => {
    const set = await model.supportSet(exampleSupport);
    const query = await model.embed(exampleQuery(2));
    for (const [name, bad] of [['NaN', query.map((x, i) => (i === 3 ? Number.NaN : x))], ['Infinity', query.map((x, i) => (i === 0 ? Infinity : x))], ['zeros', new Float32Array(query.length)]] as const) {
      const error = await errorOf(() => set.rankEmbedding(bad));
      expect(error.code, name).toBe('INVALID_ARGUMENT');
      expect(error.message, name).toMatch(/^query embedding (has NaN or infinite values|is all zeros)/);
    }
    expect((await errorOf(() => set.rankEmbedding(query.subarray(1)))).message).toMatch(/query embedding must be a Float32Array of \d+ values, got \d+ values/);
    const unit = set.rankEmbedding(query, { k: 5 });
    const big = set.rankEmbedding(scaled(query, 3), { k: 5 });
    expect(big.map((m) => m.label)).toEqual(unit.map((m) => m.label));
    big.forEach((m, i) => {
      expect(m.score).toBeGreaterThanOrEqual(-1);
      expect(m.score).toBeLessThanOrEqual(1 + 1e-6);
      expect(m.score).toBeCloseTo(unit[i].score, 6);
      expect(m.distance).toBeCloseTo(unit[i].distance, 6);
    });
    expect(Array.from(query)).toEqual(Array.from(await model.embed(exampleQuery(2)))); // the caller's vector is not changed
    // The model's own unit embeddings keep their exact bits: the same result as ranking the image.
    expect(unit).toEqual(await set.rank(exampleQuery(2), { k: 5 }));
  });

  it('compareEmbeddings refuses NaN and all-zero vectors and compares scaled vectors as unit ones', async () => {
    const [a, b] = await model.embed([exampleQuery(1), exampleQuery(4)]);
    const plain = model.compareEmbeddings(a, b);
    expect(Math.abs(plain.similarity)).toBeLessThan(0.999);
    const big = model.compareEmbeddings(scaled(a, 3), scaled(b, 0.25));
    for (const key of ['similarity', 'distance', 'probability'] as const) expect(big[key], key).toBeCloseTo(plain[key], 6);
    expect(big.same).toBe(plain.same);
    const nan = await errorOf(() => model.compareEmbeddings(a, b.map(() => Number.NaN)));
    expect(nan.code).toBe('INVALID_ARGUMENT');
    expect(nan.message).toMatch(/embedding b .*NaN/);
    expect((await errorOf(() => model.compareEmbeddings(new Float32Array(a.length), b))).message).toMatch(/embedding a .*all zeros/);
  });

  it('addEmbeddings takes one Float32Array as one embedding', async () => {
    const set = await model.supportSet(exampleSupport);
    const [one, two] = await model.embed([exampleQuery(1), exampleQuery(2)]);
    set.addEmbeddings('single', one);
    expect(set.embeddingsOf('single')).toEqual([one]);
    set.addEmbeddings('single', [two]);
    expect(set.embeddingsOf('single')).toEqual([one, two]);
    expect(set.rankEmbedding(one, { strategy: 'nearest' }).best.label).toBe('single');
    const error = await errorOf(() => set.addEmbeddings('bad', 'nope' as never));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { label: 'bad' } });
    expect(error.message).toMatch(/a Float32Array or an array of them/);
  });
});

describe('rank results as JSON', () => {
  it('JSON.stringify keeps the matches and the summary (best, accepted, unknown, threshold, strategy)', async () => {
    const result = await model.rank(exampleQuery(2), exampleSupport, { k: 3, threshold: 0.5 });
    const json = JSON.parse(JSON.stringify(result));
    const plain = JSON.parse(JSON.stringify({ matches: [...result], best: result.best }));
    expect(json).toEqual({ matches: plain.matches, best: plain.best, accepted: result.accepted, unknown: result.unknown, threshold: 0.5, strategy: 'prototype' });
    // Still an array of the matches everywhere else.
    expect(Array.isArray(result)).toBe(true);
    expect(Object.keys(result)).toEqual(['0', '1', '2', 'best', 'accepted', 'unknown', 'threshold', 'strategy']);
    expect([...result]).toHaveLength(3);
  });
});

describe('concurrency', () => {
  it('200 concurrent rank calls over mixed support sets equal sequential answers', async () => {
    const sets = [await model.supportSet(exampleSupport), await model.supportSet({ x: characterImages('Manipuri', 1, 2), y: characterImages('Manipuri', 2, 2) })];
    const queries = [...labels.map((_, i) => exampleQuery(i + 1)), ...characterImages('Tengwar', 9, 5)];
    const jobs = Array.from({ length: 200 }, (_, i) => ({ q: queries[i % queries.length], s: sets[i % 2] }));
    const sequential: RankResult[] = [];
    for (const j of jobs.slice(0, 20)) sequential.push(await j.s.rank(j.q, { k: 3 }));
    const concurrent = await Promise.all(jobs.map((j) => j.s.rank(j.q, { k: 3 })));
    concurrent.forEach((r, i) => {
      const s = sequential[i % 20];
      expect(r.map((m) => m.label)).toEqual(s.map((m) => m.label));
      r.forEach((m, k) => expect(m.score).toBeCloseTo(s[k].score, 5));
    });
  });
});
