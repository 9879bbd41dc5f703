/**
 * Hostile images: a generated corpus of ≥ 1,000 malformed, lying and unusual files (see hostile/corpus.ts) is fed
 * to the built SDK's `embed` and `rank` in a child process. Every file must end in a typed SiameseError or a sane
 * embedding (exactly the source's embedding where the pixels are the same), within a time bound per file, with
 * bounded memory, and without crashing or hanging the process. Bombs must be refused from the header.
 *
 * HOSTILE_MUTATIONS sets the mutations per source image (default 125 → ≈1,050 files; `pnpm test:soak` uses more).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runChild, type ChildRecord, type ChildResult } from './hostile/child.js';
import { CORPUS_SOURCE, hostileCorpus, type HostileItem } from './hostile/corpus.js';
import { exampleSupport, mechanicsModel, repoRoot, tempDir } from './helpers.js';

const MUTATIONS = Number(process.env.HOSTILE_MUTATIONS ?? 125);
/** Longest any one file may take (embed + rank), generous for a loaded 2-core CI machine. */
const PER_FILE_MS = 5_000;
/** Growth of the child's resident memory over the whole corpus. */
const RSS_GROWTH_LIMIT_MB = 400;

let corpus: HostileItem[];
let result: ChildResult;
let items: Map<string, ChildRecord>;

beforeAll(async () => {
  corpus = await hostileCorpus(CORPUS_SOURCE(repoRoot), { mutationsPerSeed: MUTATIONS });
  const dir = tempDir('siamese-hostile-');
  mkdirSync(join(dir, 'files'));
  const manifest = corpus.map((item) => {
    const file = join(dir, 'files', `${item.name}.${item.ext}`);
    writeFileSync(file, item.bytes);
    return { name: item.name, file, sameAs: item.sameAs };
  });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const model = mechanicsModel();
  if (typeof model !== 'string') throw new Error('the hostile-image test needs fixtures/models/conv4-untrained.onnx');
  // A heap cap makes an unbounded allocation a crash (which fails the test) rather than a swapping machine.
  result = await runChild(join(__dirname, 'hostile', 'run-corpus.mjs'), [join(dir, 'manifest.json'), model, exampleSupport], {
    silenceMs: 30_000,
    nodeArgs: ['--max-old-space-size=1024'],
  });
  items = new Map(result.records.filter((r) => r.type === 'item').map((r) => [r.name as string, r]));
}, 600_000);

describe('hostile images against embed and rank (child process)', () => {
  it(`the corpus has ≥ 1,000 files and the child went through all of them without crashing or hanging`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(MUTATIONS >= 125 ? 1000 : 50);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    const fatal = result.records.find((r) => r.type === 'fatal');
    expect(fatal, String(fatal?.message)).toBeUndefined();
    expect(result.hungAfter, `hung after ${JSON.stringify(result.hungAfter)}`).toBeUndefined();
    expect({ code: result.code, signal: result.signal }, `after ${JSON.stringify(result.records.at(-1))}: ${result.stderr.slice(0, 1500)}`).toEqual({ code: 0, signal: null });
    expect(items.size).toBe(corpus.length);
    const done = result.records.find((r) => r.type === 'done');
    expect(done?.poolStillWorks).toBe(true);
    expect(done?.batchFailures).toBeGreaterThan(0);
  });

  it('every file ends in a typed SiameseError or a sane embedding, in embed and rank alike', () => {
    const untyped = [...items.values()].filter((r) => String(r.embed).startsWith('UNTYPED') || String(r.rank).startsWith('UNTYPED') || r.rank === 'BAD RANKING' || r.problem);
    expect(untyped.map((r) => `${String(r.name)}: embed ${String(r.embed)} rank ${String(r.rank)} ${String(r.problem ?? '')}`)).toEqual([]);
    // embed (by path) and rank (by bytes) decode the same bytes: same verdict.
    const disagree = [...items.values()].filter((r) => r.embed !== r.rank);
    expect(disagree.map((r) => `${String(r.name)}: ${String(r.embed)} vs ${String(r.rank)}`)).toEqual([]);
    const outcomes: Record<string, number> = {};
    for (const r of items.values()) outcomes[String(r.embed)] = (outcomes[String(r.embed)] ?? 0) + 1;
    console.log(`hostile corpus: ${corpus.length} files; outcomes ${JSON.stringify(outcomes)}`);
    // The corpus must exercise both sides: many refusals and many survivable files.
    expect(outcomes.ok).toBeGreaterThan(30);
    expect(outcomes.IMAGE_DECODE).toBeGreaterThan(50);
  });

  it('bombs and lies are refused with the right code; same pixels in other encodings embed identically', () => {
    for (const item of corpus.filter((c) => c.refusedWith)) {
      expect(item.refusedWith, item.name).toContain(items.get(item.name)?.embed);
    }
    for (const item of corpus.filter((c) => c.sameAs)) {
      const r = items.get(item.name)!;
      expect(r.embed, item.name).toBe('ok');
      expect(r.diff as number, item.name).toBeLessThan(1e-4);
    }
  });

  it(`no file takes longer than ${PER_FILE_MS} ms (bombs are refused before decoding) and memory stays bounded`, () => {
    const slowest = [...items.values()].sort((a, b) => (b.ms as number) - (a.ms as number))[0];
    const bombs = corpus.filter((c) => c.refusedWith?.includes('IMAGE_TOO_LARGE')).map((c) => items.get(c.name)!.ms as number);
    const start = result.records.find((r) => r.type === 'start')!.rss as number;
    const peak = Math.max(...[...items.values()].map((r) => r.rss as number));
    console.log(`hostile corpus: slowest ${String(slowest.name)} ${(slowest.ms as number).toFixed(1)} ms; bombs ≤ ${Math.max(...bombs).toFixed(1)} ms; RSS ${(start / 2 ** 20).toFixed(0)} → peak ${(peak / 2 ** 20).toFixed(0)} MB`);
    expect(slowest.ms as number).toBeLessThan(PER_FILE_MS);
    // Refused from the header: no decoding, so no time worth the name.
    expect(Math.max(...bombs)).toBeLessThan(1_000);
    expect((peak - start) / 2 ** 20).toBeLessThan(RSS_GROWTH_LIMIT_MB);
  });
});
