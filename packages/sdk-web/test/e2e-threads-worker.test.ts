/**
 * Multi-threaded wasm (a server sending COOP/COEP, so the page is cross-origin isolated) and the SDK inside a module
 * Web Worker (with and without isolation): the same rankings as the Node SDK.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../e2e/chromium.mjs';
import { startTestSite } from '../e2e/site.mjs';
import { EXAMPLE_QUERIES, EXAMPLE_SUPPORT, MODEL, type QueryResult, asUrl, assertBuilt, expectSameRankings, mapSupport, nodeRankings, openPage } from './helpers.js';

interface RankOutput { device: string; threads: number; crossOriginIsolated: boolean; inWorker: boolean; results: QueryResult[] }
type Site = { url: string; close: () => Promise<void> };

let browser: Browser;
let plain: Site;
let isolated: Site;
let node: QueryResult[];

beforeAll(async () => {
  assertBuilt();
  [plain, isolated, browser] = await Promise.all([startTestSite({ isolated: false }), startTestSite({ isolated: true }), launchChromium()]);
  node = await nodeRankings(EXAMPLE_SUPPORT, EXAMPLE_QUERIES);
});

afterAll(async () => {
  await browser?.close();
  await plain?.close();
  await isolated?.close();
});

async function rankIn(site: Site, where: 'page' | 'worker', threads?: number): Promise<{ out: RankOutput; errors: string[]; warnings: string[] }> {
  const { page, errors, warnings } = await openPage(browser, `${site.url}/pages/harness.html`);
  await page.waitForFunction(() => (window as unknown as { harness?: unknown }).harness !== undefined);
  const out = await page.evaluate(
    ([w, args]) => (window as any).harness[w].rank(args) as Promise<RankOutput>,
    [where, { modelUrl: MODEL.url, device: 'wasm', support: mapSupport(EXAMPLE_SUPPORT, asUrl), queries: EXAMPLE_QUERIES.map(asUrl), ...(threads ? { threads } : {}) }] as const,
  );
  await page.context().close();
  return { out, errors, warnings };
}

const withQueries = (results: QueryResult[]): QueryResult[] => results.map((r, i) => ({ ...r, query: EXAMPLE_QUERIES[i] }));

describe('wasm threads and Web Workers', () => {
  it('multi-threaded wasm on a cross-origin isolated page (default threads = all cores)', async () => {
    const { out, errors } = await rankIn(isolated, 'page');
    expect(out).toMatchObject({ device: 'wasm', crossOriginIsolated: true, inWorker: false });
    expect(out.threads).toBeGreaterThanOrEqual(2);
    const diff = expectSameRankings(withQueries(out.results), node);
    console.log(`[e2e] page wasm×${out.threads} (COOP/COEP): max |browser − node| = ${diff.toExponential(2)}`);
    expect(errors).toEqual([]);
  });

  it('asking for threads without isolation runs 1 thread with one warning', async () => {
    const { out, errors, warnings } = await rankIn(plain, 'page', 2);
    expect(out).toMatchObject({ threads: 1, crossOriginIsolated: false });
    expect(warnings.filter((w) => w.includes('cross-origin isolated'))).toHaveLength(1);
    expectSameRankings(withQueries(out.results), node);
    expect(errors).toEqual([]);
  });

  it('in a module Web Worker, single-threaded (no isolation)', async () => {
    const { out, errors } = await rankIn(plain, 'worker');
    expect(out).toMatchObject({ device: 'wasm', threads: 1, inWorker: true });
    const diff = expectSameRankings(withQueries(out.results), node);
    console.log(`[e2e] worker wasm×1: max |browser − node| = ${diff.toExponential(2)}`);
    expect(errors).toEqual([]);
  });

  it('in a module Web Worker, multi-threaded (isolated)', async () => {
    const { out, errors } = await rankIn(isolated, 'worker', 2);
    expect(out).toMatchObject({ device: 'wasm', threads: 2, crossOriginIsolated: true, inWorker: true });
    const diff = expectSameRankings(withQueries(out.results), node);
    console.log(`[e2e] worker wasm×2 (COOP/COEP): max |browser − node| = ${diff.toExponential(2)}`);
    expect(errors).toEqual([]);
  });
});
