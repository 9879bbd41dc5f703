#!/usr/bin/env node
// @siamese-sdk/web benchmark, one run: embeddings/s (decoded 28×28 images, and PNG files end to end) and the latency
// of `rank` against a cached 20-way 1-shot support set, in headless Chromium with wasm on 1 thread and on all
// cores (a cross-origin isolated page), next to the Node SDK (siamese-sdk on onnxruntime-node) measured in the same
// run on the same images. Prints a Markdown table plus web/Node ratios; `--json <file>` writes the figures.
// Uses the built packages (`pnpm -C packages/sdk-web build`, which builds siamese-sdk first via turbo/pnpm).
// Options: --model <onnx> (default: models/omniglot-conv4.onnx, else the untrained fixture), --quick.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel as loadNodeModel } from 'siamese-sdk';
import { launchChromium } from '../e2e/chromium.mjs';
import { PKG_DIR, REPO_DIR, startTestSite } from '../e2e/site.mjs';

const { values } = parseArgs({ options: { json: { type: 'string' }, model: { type: 'string' }, quick: { type: 'boolean' } } });
const log = (...a) => console.error('[web-bench]', ...a);
const quick = Boolean(values.quick);
const seconds = quick ? 1 : 3;
const rankCalls = quick ? 100 : 500;

const modelPath = values.model ? path.resolve(values.model) : [path.join(REPO_DIR, 'models/omniglot-conv4.onnx'), path.join(REPO_DIR, 'fixtures/models/conv4-untrained.onnx')].find(existsSync);
if (!modelPath || !existsSync(modelPath)) throw new Error('no model: pass --model <file.onnx>');
if (!modelPath.startsWith(REPO_DIR + path.sep)) throw new Error('the model must be inside the repository (it is served from there)');
if (!existsSync(path.join(PKG_DIR, 'dist/index.js'))) throw new Error('packages/sdk-web/dist is missing: run `pnpm -C packages/sdk-web build`');
const modelUrl = '/' + path.relative(REPO_DIR, modelPath).split(path.sep).join('/');

// The images: the mini evaluation fixture (Omniglot evaluation set), the same files for both runtimes.
const mini = 'fixtures/omniglot-eval-mini';
const list = (rel) => readdirSync(path.join(REPO_DIR, rel)).sort();
const pngs = list(mini).flatMap((a) => list(`${mini}/${a}`).flatMap((c) => list(`${mini}/${a}/${c}`).map((f) => `${mini}/${a}/${c}/${f}`)));
const pngSample = pngs.slice(0, quick ? 128 : 256);
const characters = list(`${mini}/Tengwar`).slice(0, 20);
const support20 = Object.fromEntries(characters.map((c) => [c, `${mini}/Tengwar/${c}/${list(`${mini}/Tengwar/${c}`)[0]}`]));
const queryFile = `${mini}/Tengwar/${characters[7]}/${list(`${mini}/Tengwar/${characters[7]}`)[5]}`;
const url = (rel) => `/${rel}`;

const site = await startTestSite({ isolated: true });
const browser = await launchChromium();
const web = [];
let decodedBatch;
let decodedQuery;
try {
  for (const threads of [1, availableParallelism()]) {
    const context = await browser.newContext(); // onnxruntime-web's env is fixed per page: one page per configuration
    const page = await context.newPage();
    page.on('pageerror', (e) => log('page error:', e.message));
    await page.goto(`${site.url}/pages/harness.html`);
    await page.waitForFunction(() => window.sdk !== undefined);
    const out = await page.evaluate(
      async (o) => (await import('/pages/bench-lib.js')).bench(window.sdk, o),
      { modelUrl, threads, pngUrls: pngSample.map(url), support20: Object.fromEntries(Object.entries(support20).map(([k, v]) => [k, url(v)])), queryUrl: url(queryFile), seconds, rankCalls },
    );
    web.push(out.result);
    decodedBatch ??= out.batch;
    decodedQuery ??= out.query;
    log(`chromium wasm ×${out.result.threads}: ${out.result.embedDecodedPerSec.toFixed(0)} emb/s decoded, ${out.result.embedPngPerSec.toFixed(0)} emb/s PNG, rank p50 ${out.result.rank20P50Ms.toFixed(3)} ms`);
    await context.close();
  }
} finally {
  await browser.close();
  await site.close();
}

// The Node SDK on the same decoded pixels (made by the browser above) and the same PNG files.
const rate = async (f, s) => {
  await f();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < s * 1000) {
    await f();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const raw = (data) => ({ data: Uint8Array.from(data), width: 28, height: 28, channels: 1 });
const node = [];
for (const threads of [1, availableParallelism()]) {
  const model = await loadNodeModel(modelPath, { device: 'cpu', threads });
  const batch = decodedBatch.map(raw);
  const embedDecodedPerSec = (await rate(() => model.embed(batch), seconds)) * batch.length;
  const files = pngSample.map((p) => path.join(REPO_DIR, p));
  const embedPngPerSec = (await rate(() => model.embed(files), seconds)) * files.length;
  const set = await model.supportSet(Object.fromEntries(Object.entries(support20).map(([k, v]) => [k, path.join(REPO_DIR, v)])));
  const query = raw(decodedQuery);
  for (let i = 0; i < 50; i++) await set.rank(query);
  const times = [];
  for (let i = 0; i < rankCalls; i++) {
    const t = performance.now();
    await set.rank(query);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  node.push({ device: model.device, threads, batchSize: batch.length, embedDecodedPerSec, embedPngPerSec, pngImages: files.length, rank20P50Ms: percentile(times, 50), rank20P99Ms: percentile(times, 99), best: (await set.rank(query))[0].label });
  log(`node cpu ×${threads}: ${embedDecodedPerSec.toFixed(0)} emb/s decoded, ${embedPngPerSec.toFixed(0)} emb/s PNG, rank p50 ${percentile(times, 50).toFixed(3)} ms`);
  await model.dispose();
}
const { closeDecodePool } = await import('siamese-sdk');
await closeDecodePool?.();

const f0 = (x) => x.toFixed(0);
const f3 = (x) => x.toFixed(3);
const rows = [
  ...web.map((r) => [`Chromium, @siamese-sdk/web (onnxruntime-web wasm)`, r.threads, f0(r.embedDecodedPerSec), f0(r.rawOrtPerSec), f0(r.embedPngPerSec), f3(r.rank20P50Ms), f3(r.rank20P99Ms)]),
  ...node.map((r) => [`Node, siamese-sdk (onnxruntime-node ${r.device})`, r.threads, f0(r.embedDecodedPerSec), '', f0(r.embedPngPerSec), f3(r.rank20P50Ms), f3(r.rank20P99Ms)]),
];
const ratios = web.map((w, i) => ({
  threads: w.threads,
  embedDecoded: w.embedDecodedPerSec / node[i].embedDecodedPerSec,
  embedPng: w.embedPngPerSec / node[i].embedPngPerSec,
  rankP50: w.rank20P50Ms / node[i].rank20P50Ms,
}));
const table = [
  `Model: ${path.relative(REPO_DIR, modelPath)}; ${availableParallelism()} cores; decoded = 28×28 gray pixels (batch ${web[0].batchSize}); PNG = ${pngSample.length} Omniglot files (105×105) decoded and embedded end to end; rank = cached 20-way 1-shot support set, decoded 28×28 query, ${rankCalls} calls.`,
  '',
  '| runtime | threads | embeddings/s (decoded) | raw ORT session, same batches | embeddings/s (PNG) | rank 20-way p50 (ms) | p99 (ms) |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  '| web ÷ Node (same threads) | embeddings/s decoded | embeddings/s PNG | rank p50 latency |',
  '|---|---:|---:|---:|',
  ...ratios.map((r) => `| ${r.threads} thread${r.threads === 1 ? '' : 's'} | ${r.embedDecoded.toFixed(2)}× | ${r.embedPng.toFixed(2)}× | ${r.rankP50.toFixed(2)}× |`),
  '',
  `SDK ÷ raw onnxruntime-web (decoded, same batches): ${web.map((w) => `${w.threads} thread${w.threads === 1 ? '' : 's'} ${(w.embedDecodedPerSec / w.rawOrtPerSec).toFixed(2)}×`).join(', ')}.`,
  `Multi-thread speed-up in Chromium: ${(web[1].embedDecodedPerSec / web[0].embedDecodedPerSec).toFixed(2)}× (decoded), Node: ${(node[1].embedDecodedPerSec / node[0].embedDecodedPerSec).toFixed(2)}×.`,
];
console.log(table.join('\n'));
if (values.json) writeFileSync(values.json, JSON.stringify({ model: modelPath, cores: availableParallelism(), web, node, ratios }, null, 2) + '\n');
