/**
 * Leaks in the browser: WEB_SOAK_CALLS embed/rank calls (default 1,000) on one model, then WEB_SOAK_CYCLES
 * load → use → dispose cycles (default 5) in a real Chromium page (wasm, one thread), reusing the e2e harness page
 * (it exposes the SDK as `window.sdk`). Memory is read after a forced GC: the page's JS heap through the DevTools
 * protocol (Runtime.getHeapUsage) and — where /proc exists — the resident memory of the whole Chromium process
 * tree (onnxruntime-web's wasm memory and the decoders live outside the JS heap).
 *
 * Bounds: JS heap grows ≤ 16 MB over the calls and ≤ 32 MB over the cycles; Chromium's RSS ≤ 96 MB over the calls
 * and ≤ 256 MB over the cycles (each wasm session's arena is returned to the allocator, not always to the OS).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../e2e/chromium.mjs';
import { startTestSite } from '../e2e/site.mjs';
import { EXAMPLE_QUERIES, EXAMPLE_SUPPORT, MODEL, asUrl, assertBuilt, mapSupport, openPage } from './helpers.js';

const CALLS = Number(process.env.WEB_SOAK_CALLS ?? 1_000);
const CYCLES = Number(process.env.WEB_SOAK_CYCLES ?? 5);
const MB = 2 ** 20;

let browser: Browser;
let site: { url: string; close: () => Promise<void> };
let page: Page;
let errors: string[];
let cdp: CDPSession;

/** RSS of all descendants of `rootPid` (Chromium: browser, renderer, GPU, utility processes), from /proc; undefined elsewhere. */
function chromiumTreeRss(rootPid: number | undefined): number | undefined {
  if (rootPid === undefined || !existsSync('/proc/self/stat')) return undefined;
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = parent.get(pid); p && p > 1; p = parent.get(p)) if (p === rootPid) return true;
    return false;
  };
  let total = 0;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

async function memory(): Promise<{ heap: number; rss: number | undefined }> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  // Playwright starts Chromium as a child of this test process: its whole tree is our descendants.
  return { heap: usedSize, rss: chromiumTreeRss(process.pid) };
}

beforeAll(async () => {
  assertBuilt();
  site = await startTestSite({ isolated: false, defaultModel: MODEL.path });
  browser = await launchChromium();
  ({ page, errors } = await openPage(browser, `${site.url}/pages/harness.html`));
  await page.waitForFunction(() => (window as unknown as { sdk?: unknown }).sdk !== undefined);
  cdp = await page.context().newCDPSession(page);
  // Set up once in the page: a model, a support set, and queries as pixels (ImageData) and as bytes (Blob).
  await page.evaluate(
    async ({ modelUrl, support, queries }) => {
      const w = window as unknown as Record<string, any>;
      w.soakModel = await w.sdk.loadModel(modelUrl, { device: 'wasm' });
      w.soakSet = await w.soakModel.supportSet(support);
      w.soakQueries = [];
      for (const url of queries) {
        const blob = await (await fetch(url)).blob();
        const bitmap = await createImageBitmap(blob);
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(bitmap, 0, 0);
        w.soakQueries.push(blob, ctx.getImageData(0, 0, bitmap.width, bitmap.height));
      }
      w.soakRun = async (from: number, count: number) => {
        for (let i = from; i < from + count; i += 4) {
          const one = (j: number) => (j % 2 ? w.soakModel.embed(w.soakQueries[j % w.soakQueries.length]) : w.soakSet.rank(w.soakQueries[j % w.soakQueries.length], { k: 3 }));
          await Promise.all([one(i), one(i + 1), one(i + 2), one(i + 3)]);
        }
      };
    },
    { modelUrl: MODEL.url, support: mapSupport(EXAMPLE_SUPPORT, asUrl), queries: EXAMPLE_QUERIES.map(asUrl) },
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('web SDK leaks in Chromium (wasm)', () => {
  it(`${CALLS} embed/rank calls and ${CYCLES} load/dispose cycles keep the JS heap and Chromium's memory flat`, async () => {
    const run = (from: number, count: number) => page.evaluate(({ from, count }) => (window as any).soakRun(from, count) as Promise<void>, { from, count });
    await run(0, Math.min(400, CALLS / 5)); // warm-up
    const samples = [await memory()];
    for (let done = 0; done < CALLS; done += CALLS / 5) {
      await run(done, CALLS / 5);
      samples.push(await memory());
    }
    const cycle = (n: number) =>
      page.evaluate(
        async ({ modelUrl, support, n }) => {
          const w = window as any;
          for (let i = 0; i < n; i++) {
            const m = await w.sdk.loadModel(modelUrl, { device: 'wasm' });
            const s = await m.supportSet(support);
            await s.rank(w.soakQueries[1]);
            await m.dispose();
          }
        },
        { modelUrl: MODEL.url, support: mapSupport(EXAMPLE_SUPPORT, asUrl), n },
      );
    await cycle(Math.min(3, CYCLES));
    const cycleSamples = [await memory()];
    for (let done = 0; done < CYCLES; done += Math.max(1, CYCLES / 5)) {
      await cycle(Math.max(1, CYCLES / 5));
      cycleSamples.push(await memory());
    }
    const fmt = (xs: (number | undefined)[]) => xs.map((x) => (x === undefined ? '?' : (x / MB).toFixed(1))).join(' ');
    console.log(
      `web soak: JS heap over ${CALLS} calls ${fmt(samples.map((s) => s.heap))} MB, Chromium RSS ${fmt(samples.map((s) => s.rss))} MB; ` +
        `over ${CYCLES} load/dispose cycles heap ${fmt(cycleSamples.map((s) => s.heap))} MB, RSS ${fmt(cycleSamples.map((s) => s.rss))} MB`,
    );
    const growth = (xs: { heap: number; rss: number | undefined }[], key: 'heap' | 'rss') => ((xs.at(-1)![key] ?? 0) - (xs[0][key] ?? 0)) / MB;
    expect(growth(samples, 'heap')).toBeLessThan(16);
    expect(growth(cycleSamples, 'heap')).toBeLessThan(32);
    if (samples[0].rss !== undefined) {
      expect(growth(samples, 'rss')).toBeLessThan(96);
      expect(growth(cycleSamples, 'rss')).toBeLessThan(256);
    }
    expect(errors).toEqual([]);
  }, 1_800_000);
});
