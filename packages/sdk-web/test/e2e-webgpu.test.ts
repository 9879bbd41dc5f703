/**
 * WebGPU. Without a GPU, Chromium offers no adapter unless started with --enable-unsafe-webgpu, which gives
 * SwiftShader (a software adapter, ~25 images/s): enough to check that the webgpu execution provider returns the
 * Node SDK's answers, kept to one small ranking. Without an adapter, 'webgpu' must fall back to wasm cleanly.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../e2e/chromium.mjs';
import { startTestSite } from '../e2e/site.mjs';
import { EXAMPLE_QUERIES, EXAMPLE_SUPPORT, MODEL, type QueryResult, asUrl, assertBuilt, expectSameRankings, mapSupport, nodeRankings, openPage } from './helpers.js';

interface RankOutput { device: string; results: QueryResult[] }

let site: { url: string; close: () => Promise<void> };
const browsers: Browser[] = [];

beforeAll(async () => {
  assertBuilt();
  site = await startTestSite();
});

afterAll(async () => {
  for (const b of browsers) await b.close();
  await site?.close();
});

/** A small ranking (2 queries × 5 labels × 2 shots = 12 images) with the requested device. */
async function smallRanking(browser: Browser, device: string, harness = 'harness.html') {
  const { page, errors, warnings } = await openPage(browser, `${site.url}/pages/${harness}`);
  await page.waitForFunction(() => (window as unknown as { harness?: unknown }).harness !== undefined);
  const queries = EXAMPLE_QUERIES.slice(0, 2);
  const out = await page.evaluate(
    (args) => (window as any).harness.page.rank(args) as Promise<RankOutput>,
    { modelUrl: MODEL.url, device, support: mapSupport(EXAMPLE_SUPPORT, asUrl), queries: queries.map(asUrl) },
  );
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean } } | null> } }).gpu;
    const a = gpu ? await gpu.requestAdapter() : null;
    return a ? { fallback: a.info?.isFallbackAdapter ?? null } : null;
  });
  await page.context().close();
  return { out, errors, warnings, adapter, results: out.results.map((r, i) => ({ ...r, query: queries[i] })), node: () => nodeRankings(EXAMPLE_SUPPORT, queries) };
}

describe('WebGPU', () => {
  it("without an adapter, device 'webgpu' falls back to wasm with one warning and the same answers", async () => {
    const browser = await launchChromium({ webgpu: false });
    browsers.push(browser);
    const r = await smallRanking(browser, 'webgpu');
    expect(r.adapter).toBeNull();
    expect(r.out.device).toBe('wasm');
    expect(r.warnings.filter((w) => w.includes("device 'webgpu' requested") && w.includes('falling back to wasm'))).toHaveLength(1);
    expectSameRankings(r.results, await r.node());
    expect(r.errors).toEqual([]);
  });

  it("with a software adapter (SwiftShader), 'webgpu' runs on WebGPU with the Node SDK's answers; 'auto' keeps wasm", async (ctx) => {
    const browser = await launchChromium({ webgpu: true });
    browsers.push(browser);
    const gpu = await smallRanking(browser, 'webgpu');
    if (gpu.adapter === null) {
      ctx.skip(); // this Chromium build offers no WebGPU adapter even with --enable-unsafe-webgpu
      return;
    }
    expect(gpu.out.device).toBe('webgpu');
    const diff = expectSameRankings(gpu.results, await gpu.node());
    console.log(`[e2e] webgpu (${gpu.adapter.fallback ? 'software adapter' : 'hardware adapter'}): max |browser − node| = ${diff.toExponential(2)}`);
    expect(gpu.errors).toEqual([]);
    // 'auto' prefers WebGPU only on a hardware adapter: SwiftShader is ~50× slower than wasm here.
    const auto = await smallRanking(browser, 'auto');
    expect(auto.out.device).toBe(gpu.adapter.fallback ? 'wasm' : 'webgpu');
    expect(auto.warnings.filter((w) => w.includes('[siamese-sdk]'))).toEqual([]);
    expect(auto.errors).toEqual([]);
  });

  it("onnxruntime-web's wasm-only build: 'webgpu' with an adapter but no WebGPU backend falls back to wasm with one warning", async (ctx) => {
    const browser = browsers[1] ?? (await launchChromium({ webgpu: true }));
    if (!browsers.includes(browser)) browsers.push(browser);
    const r = await smallRanking(browser, 'webgpu', 'harness-wasm-only.html');
    if (r.adapter === null) {
      ctx.skip();
      return;
    }
    expect(r.out.device).toBe('wasm');
    expect(r.warnings.filter((w) => w.includes('WebGPU failed') && w.includes('falling back to wasm'))).toHaveLength(1);
    expectSameRankings(r.results, await r.node());
    expect(r.errors).toEqual([]);
  });
});
