/**
 * Approximate search in the browser. Its code (core's approximate index) is a chunk of dist/ that a page fetches on
 * its first approximate use: a page that only searches exactly never requests it; one that asks for it ranks as
 * exact search and the Node SDK do — on a plain <script type="module"> page (import map for onnxruntime-web only)
 * and in a module worker — and a chunk that cannot be fetched is a typed error. Bundlers keep it a separate chunk.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium } from '../e2e/chromium.mjs';
import { PKG_DIR, startTestSite } from '../e2e/site.mjs';
import { measureBundle } from '../scripts/bundle-size.mjs';
import { EXAMPLE_QUERIES, EXAMPLE_SUPPORT, MODEL, type QueryResult, asUrl, assertBuilt, expectSameRankings, mapSupport, nodeRankings } from './helpers.js';

type Ranked = Omit<QueryResult, 'query'> & { search: 'exact' | 'approximate' };
interface ApproximateOutput { exact: Ranked[]; beforeLoad: Ranked; firstRank: Ranked; approximate: Ranked[]; afterCreate: Ranked }

let browser: Browser;
let site: { url: string; close: () => Promise<void> };
let node: QueryResult[];
/** The chunks of dist/ that load on first use only (the approximate index). */
let lazyChunks: string[];
const args = () => ({ modelUrl: MODEL.url, support: mapSupport(EXAMPLE_SUPPORT, asUrl), queries: EXAMPLE_QUERIES.map(asUrl) });

beforeAll(async () => {
  assertBuilt();
  lazyChunks = measureBundle(path.join(PKG_DIR, 'dist')).lazy.map(({ file }) => file);
  expect(lazyChunks).toEqual([expect.stringMatching(/^approximate-index-chunk-/)]);
  [site, browser] = await Promise.all([startTestSite({ isolated: false }), launchChromium()]);
  node = await nodeRankings(EXAMPLE_SUPPORT, EXAMPLE_QUERIES);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** The harness page in a fresh context, recording the path of every request its page and workers make. */
async function openRecorded(expectedFailedUrls?: RegExp): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const context = await browser.newContext();
  const requests: string[] = [];
  context.on('request', (request) => requests.push(new URL(request.url()).pathname));
  const page = await context.newPage();
  const errors = collectPageErrors(page, expectedFailedUrls ? { expectedFailedUrls } : {});
  await page.goto(`${site.url}/pages/harness.html`);
  await page.waitForFunction(() => (window as unknown as { harness?: unknown }).harness !== undefined);
  return { page, errors, requests };
}

const lazyRequests = (requests: string[]): string[] => requests.filter((p) => lazyChunks.some((chunk) => p.endsWith(`/${chunk}`)));
const withQueries = (results: Omit<QueryResult, 'query'>[]): QueryResult[] => results.map((r, i) => ({ ...r, query: EXAMPLE_QUERIES[i] }));

describe('approximate search, loaded on first use', () => {
  it('a page (and a worker) that only searches exactly never requests the approximate chunk', async () => {
    const { page, errors, requests } = await openRecorded();
    for (const where of ['page', 'worker'] as const) {
      const out = await page.evaluate(([w, a]) => (window as any).harness[w].rank(a) as Promise<{ results: QueryResult[] }>, [where, { ...args(), device: 'wasm' }] as const);
      expectSameRankings(withQueries(out.results), node);
    }
    // What the entry imports statically did load (so the recording works), from both places; the lazy chunk did not.
    const { entry } = measureBundle(path.join(PKG_DIR, 'dist'));
    for (const file of entry.files) expect(requests, file).toEqual(expect.arrayContaining([`/sdk/${file}`, `/sdk-worker/${file}`]));
    expect(lazyRequests(requests)).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("index: 'approximate' fetches the chunk once and ranks as exact search does (page and worker)", async () => {
    const { page, errors, requests } = await openRecorded();
    expect(lazyRequests(requests)).toEqual([]); // importing the SDK did not fetch it
    for (const where of ['page', 'worker'] as const) {
      const out = await page.evaluate(([w, a]) => (window as any).harness[w].approximate(a) as Promise<ApproximateOutput>, [where, args()] as const);
      expect(out.exact.map((r) => r.search)).toEqual(EXAMPLE_QUERIES.map(() => 'exact'));
      // setSearch then rankEmbedding before the chunk arrived: exact (same answer); the first rank waited for it.
      expect(out.beforeLoad.search).toBe('exact');
      expect(out.beforeLoad.ranking).toEqual(out.exact[0].ranking);
      expect(out.firstRank.search).toBe('approximate');
      expect(out.approximate.map((r) => r.search)).toEqual(EXAMPLE_QUERIES.map(() => 'approximate'));
      expect(out.afterCreate.search).toBe('approximate');
      // The same top label as exact search for every query; on 5 labels the whole ranking, as in Node.
      expect(out.approximate.map((r) => r.ranking[0].label)).toEqual(out.exact.map((r) => r.ranking[0].label));
      expectSameRankings(withQueries(out.approximate), node);
      expectSameRankings(withQueries([out.firstRank]), [node[0]]);
      // Fetched once, relative to the SDK's own URL: /sdk/ on the page, /sdk-worker/ in the worker.
      const prefix = where === 'page' ? '/sdk/' : '/sdk-worker/';
      expect(lazyRequests(requests).filter((p) => p.startsWith(prefix))).toEqual([`${prefix}${lazyChunks[0]}`]);
    }
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a chunk that cannot be fetched is a FETCH_FAILED SiameseError, nothing unhandled', async () => {
    const { page, errors } = await openRecorded(/approximate-index-chunk-/);
    await page.route((u) => u.pathname.includes('/approximate-index-chunk-'), (route) => route.fulfill({ status: 404, body: 'not found' }));
    const out = await page.evaluate(async (a) => {
      const sdk = (window as any).sdk;
      const model = await sdk.loadModel(a.modelUrl, { device: 'wasm' });
      const set = await model.supportSet(a.support);
      set.setSearch({ index: 'approximate' }); // starts the load, which fails: reported by the next rank
      const exact = set.rankEmbedding(await model.embed(a.queries[0]));
      const failed = await set.rank(a.queries[0]).then(
        () => ({ threw: false }),
        (e: any) => ({ threw: true, siamese: e instanceof sdk.SiameseError, code: e.code, message: String(e.message) }),
      );
      await model.dispose();
      return { exactTop: exact[0].label, failed };
    }, args());
    expect(out.exactTop).toBe(node[0].ranking[0].label);
    expect(out.failed).toMatchObject({ threw: true, siamese: true, code: 'FETCH_FAILED' });
    expect(out.failed.message).toMatch(/approximate-search chunk/);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a bundler (the Vite-built demo) keeps the approximate index in chunks of its own, loaded by import()', () => {
    const assets = path.join(PKG_DIR, 'dist-demo/assets');
    const kernel = /DOT_KERNELS_WASM =\s*'([^']{32,})'/.exec(readFileSync(path.join(PKG_DIR, '../core/src/simd-dot-kernel.ts'), 'utf8'))?.[1] ?? '';
    expect(kernel).not.toBe('');
    const scripts = Object.fromEntries(readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => [f, readFileSync(path.join(assets, f), 'utf8')]));
    // One for the page's bundle, one for the bundled worker (?worker=1): neither is the page's script or preloaded.
    const holding = Object.keys(scripts).filter((f) => scripts[f].includes(kernel));
    expect(holding.length).toBeGreaterThanOrEqual(1);
    const html = readFileSync(path.join(PKG_DIR, 'dist-demo/index.html'), 'utf8');
    for (const chunk of holding) {
      expect(html).not.toContain(chunk);
      const importers = Object.keys(scripts).filter((f) => scripts[f].includes(`import("./${chunk}")`));
      expect(importers, chunk).toHaveLength(1);
      expect(holding).not.toContain(importers[0]);
    }
  });
});
