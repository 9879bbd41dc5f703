#!/usr/bin/env node
// siamese-sdk (Node) benchmark, one run: embed throughput from decoded tensors vs raw onnxruntime-node on the same
// batches; end-to-end throughput from PNG files (worker pool; with the fast PNG path and with jimp only) vs
// single-thread jimp decoding; rank latency against a
// cached 20-way 1-shot support set with a decoded 28×28 query; plus rank latency for larger galleries.
// Prints a Markdown table (stdout) with goals and met / not met; `--json <file>` also writes the figures as JSON.
// Uses the built package (dist/): run `pnpm -C packages/sdk-node build` first. Options: --model <onnx>, --quick.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import pngCodec from '@jimp/js-png';
import * as ort from 'onnxruntime-node';
import { preprocessImage } from '@siamese-sdk/core';
import { closeDecodePool, loadModel } from '../dist/index.js';

import { benchOptions, miniDir, miniPngFiles, repo } from './bench-setup.mjs';

const { values, modelPath, quick } = benchOptions();
const log = (...a) => console.error('[sdk-bench]', ...a);

const pngFiles = miniPngFiles();

/** Decoded 28×28 gray images (what a caller holding pixels passes), made once with jimp. */
async function decodedImages(files) {
  const out = [];
  for (const f of files) {
    const img = (await Jimp.read(f)).resize({ w: 28, h: 28 });
    const { data } = img.bitmap;
    out.push({ data: new Uint8Array(784).map((_, i) => data[i * 4]), width: 28, height: 28, channels: 1 });
  }
  return out;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `f` repeatedly for at least `seconds` (after one warm-up call) and returns calls per second. */
async function rate(f, seconds) {
  await f();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await f();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

const results = { model: modelPath, cores: availableParallelism(), figures: {}, goals: [] };
const goal = (name, measured, target, met, unit) => results.goals.push({ name, measured, target, met, unit });

const model = await loadModel(modelPath, { device: 'cpu' });
const { metadata } = model;
log(`model ${metadata.name} (${modelPath}), device ${model.device}, ${results.cores} cores`);

// 1. embed from decoded tensors vs raw onnxruntime-node, same batches (the SDK's batch size).
{
  const batchSize = model.batchSize;
  const images = await decodedImages(pngFiles.slice(0, batchSize));
  const { channels: C, height: H, width: W } = metadata.input;
  const tensor = new Float32Array(batchSize * C * H * W);
  images.forEach((img, i) => preprocessImage(img, metadata, { out: tensor, offset: i * C * H * W }));
  const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all', executionMode: 'sequential', interOpNumThreads: 1 });
  // Interleave short measurements (raw, sdk, raw, sdk, ...) so background load hits both alike; report medians.
  const rounds = quick ? 4 : 8;
  const raws = [], sdks = [];
  for (let round = 0; round < rounds; round++) {
    raws.push((await rate(() => session.run({ [metadata.input.name]: new ort.Tensor('float32', tensor, [batchSize, C, H, W]) }), 0.75)) * batchSize);
    sdks.push((await rate(() => model.embed(images), 0.75)) * batchSize);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const raw = median(raws);
  const sdk = median(sdks);
  await session.release();
  results.figures.embedFromTensors = { batchSize, rawOnnxruntimeImagesPerSec: raw, sdkImagesPerSec: sdk, ratio: sdk / raw };
  log(`embed from tensors: raw ${raw.toFixed(0)}/s, sdk ${sdk.toFixed(0)}/s`);
  goal('embed from decoded tensors vs raw onnxruntime-node (batch ' + batchSize + ')', sdk / raw, 0.7, sdk / raw >= 0.7, 'ratio');
}

// 2. From PNG files: SDK end to end (worker pool: read + decode + preprocess on all cores, inference on the main
//    thread) vs single-thread jimp decoding alone. The pool runs twice — with core's fast PNG decoder (the default)
//    and with jimp only — so the report shows how much of the gain is the pool and how much the decoder. Rounds of
//    all measurements are interleaved (background load then hits all alike) and medians reported.
{
  const files = quick ? pngFiles.slice(0, 200) : pngFiles;
  const chunk = 200;
  const rounds = quick ? 2 : 8;
  const jimpPoolModel = await loadModel(modelPath, { device: 'cpu', pngDecoder: 'jimp' });
  const inlineModel = await loadModel(modelPath, { device: 'cpu', workerThreshold: Infinity });
  await model.embed(files.slice(0, 32)); // start the pool's workers (and their jimp) outside the timing
  await jimpPoolModel.embed(files.slice(0, 32));
  await inlineModel.embed(files.slice(0, 4));
  const codec = pngCodec();
  // Images/s, and the CPU cores the process used meanwhile (CPU time / wall time, worker threads included):
  // on a shared machine the second figure says how much parallelism the run could actually get.
  // Other processes' CPU meanwhile (Linux: all CPU time from /proc/stat minus ours), so a loaded run shows as such.
  const machineBusySeconds = () => {
    if (!existsSync('/proc/stat')) return NaN;
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100; // user nice system irq softirq steal, in USER_HZ = 100
  };
  const names = ['jimp', 'jimpCodec', 'pool', 'poolJimp', 'inline'];
  const rates = Object.fromEntries(names.map((n) => [n, []]));
  const cores = Object.fromEntries(names.map((n) => [n, []]));
  const others = [];
  const perSec = async (name, f, list) => {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const busy = machineBusySeconds();
    await f(list);
    const wall = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const ours = (used.user + used.system) / 1e6 / wall;
    cores[name].push(ours);
    others.push((machineBusySeconds() - busy) / wall - ours);
    rates[name].push(list.length / wall);
  };
  for (let r = 0; r < rounds; r++) {
    const from = (r * chunk) % files.length;
    const list = files.slice(from, from + chunk);
    // The baseline: single-thread jimp reading the file and decoding the buffer (Jimp.read(path) is slower). The
    // read is synchronous, as in the SDK's workers: fs.promises.readFile costs 0.1–0.4 ms of CPU per small file,
    // which would flatter every ratio against this baseline.
    await perSec('jimp', async (l) => { for (const f of l) await Jimp.fromBuffer(readFileSync(f)); }, list);
    // jimp's PNG codec (pngjs) called directly, as the SDK's jimp path does: the fastest jimp decode there is.
    await perSec('jimpCodec', async (l) => { for (const f of l) codec.decode(readFileSync(f)); }, list);
    await perSec('pool', (l) => model.embed(l), list);
    await perSec('poolJimp', (l) => jimpPoolModel.embed(l), list);
    await perSec('inline', (l) => inlineModel.embed(l), list);
  }
  await inlineModel.dispose();
  await jimpPoolModel.dispose();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = Object.fromEntries(names.map((n) => [n, median(rates[n])]));
  const coresUsed = Object.fromEntries(names.map((n) => [n, median(cores[n])]));
  // Ratios per round (its measurements ran back to back, under the same background load), then their median:
  // robust to load that comes and goes between rounds, unlike a ratio of medians taken from different rounds.
  const ratioPerRound = (name) => median(rates[name].map((x, r) => x / rates.jimp[r]));
  const ratio = ratioPerRound('pool');
  const ratioJimpOnly = ratioPerRound('poolJimp');
  const otherCores = median(others);
  results.figures.embedFromPngFiles = {
    files: rounds * chunk,
    rounds,
    jimpSingleThreadDecodePerSec: m.jimp,
    jimpPngCodecSingleThreadDecodePerSec: m.jimpCodec,
    sdkPoolImagesPerSec: m.pool,
    sdkPoolJimpOnlyImagesPerSec: m.poolJimp,
    sdkInlineImagesPerSec: m.inline,
    ratio,
    ratioJimpOnly,
    ratioInline: ratioPerRound('inline'),
    coresUsed,
    otherProcessesCores: otherCores,
  };
  log(`from PNG files (${rounds} rounds of ${chunk}): ${names.map((n) => `${n} ${rates[n].map((x) => x.toFixed(0)).join('/')}`).join('; ')} images/s; cores used ${JSON.stringify(Object.fromEntries(names.map((n) => [n, +coresUsed[n].toFixed(2)])))}, other processes ${otherCores.toFixed(2)} cores`);
  goal('embed from PNG files (worker pool, end to end) vs single-thread jimp decoding (median of per-round ratios)', ratio, 1.6, ratio >= 1.6, '×');
  results.goals.push({ name: 'same, worker pool with jimp only (no fast PNG decoder)', measured: ratioJimpOnly, target: null, met: null, unit: '×' });
}

// 3. rank latency: cached 20-way 1-shot support set, decoded 28×28 query.
{
  const characters = readdirSync(join(miniDir, 'Tengwar')).sort().slice(0, 20);
  const entries = Object.fromEntries(characters.map((c) => [c, join(miniDir, 'Tengwar', c, readdirSync(join(miniDir, 'Tengwar', c)).sort()[0])]));
  const set = await model.supportSet(entries);
  const [query] = await decodedImages([join(miniDir, 'Tengwar', characters[7], readdirSync(join(miniDir, 'Tengwar', characters[7])).sort()[5])]);
  const n = quick ? 500 : 3000;
  for (let i = 0; i < 200; i++) await set.rank(query);
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await set.rank(query);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50), p99 = percentile(times, 99);
  results.figures.rank20way = { calls: n, p50Ms: p50, p99Ms: p99 };
  log(`rank 20-way: p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`);
  goal('rank p50, cached 20-way 1-shot set, decoded 28×28 query', p50, 1, p50 <= 1, 'ms');
  results.goals.push({ name: 'rank p99 (same)', measured: p99, target: null, met: null, unit: 'ms' });

  // Larger galleries (one random unit embedding per label; the query embedding precomputed): exact blocked search.
  const qEmbedding = await model.embed(query);
  results.figures.rankGallery = [];
  for (const size of quick ? [1000, 100_000] : [1000, 10_000, 100_000]) {
    const gallery = model.supportSetFromJSON({ format: 'siamese-sdk/support-set', version: 1, model: { name: metadata.name, fingerprint: model.fingerprint, embeddingSize: model.embeddingSize }, labels: [] });
    let seed = size;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    for (let i = 0; i < size; i++) gallery.addEmbeddings(`g${i}`, [Float32Array.from({ length: model.embeddingSize }, rnd)]);
    gallery.rankEmbedding(qEmbedding, { k: 10 }); // compile the index
    const reps = size >= 100_000 ? 50 : 300;
    const ts = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      gallery.rankEmbedding(qEmbedding, { k: 10, strategy: 'nearest' });
      ts.push(performance.now() - t);
    }
    ts.sort((a, b) => a - b);
    results.figures.rankGallery.push({ embeddings: size, p50Ms: percentile(ts, 50), p99Ms: percentile(ts, 99) });
    log(`rank gallery ${size}: p50 ${percentile(ts, 50).toFixed(3)} ms`);
  }
  const g100k = results.figures.rankGallery.find((g) => g.embeddings === 100_000);
  goal('rank p50, 100,000-embedding gallery, exact (precomputed query embedding)', g100k.p50Ms, 20, g100k.p50Ms <= 20, 'ms');
}

await model.dispose();
await closeDecodePool();

function pngLines(p) {
  const row = (what, rate, cores) => `| PNG files: ${what} | ${rate.toFixed(0)} images/s (${cores.toFixed(2)} cores used) |`;
  return [
    `| PNG files (${p.rounds} rounds of 200, medians): jimp read + decode alone, 1 thread (Jimp.fromBuffer) | ${p.jimpSingleThreadDecodePerSec.toFixed(0)} images/s (${p.coresUsed.jimp.toFixed(2)} cores used) |`,
    row("jimp's PNG codec (pngjs) called directly, read + decode, 1 thread", p.jimpPngCodecSingleThreadDecodePerSec, p.coresUsed.jimpCodec),
    row('siamese-sdk embed, worker pool, fast PNG decoder (default; decode + embed)', p.sdkPoolImagesPerSec, p.coresUsed.pool),
    row("siamese-sdk embed, worker pool, jimp only (pngDecoder: 'jimp')", p.sdkPoolJimpOnlyImagesPerSec, p.coresUsed.poolJimp),
    row('siamese-sdk embed, no workers (fast PNG decoder, 1 thread + inference)', p.sdkInlineImagesPerSec, p.coresUsed.inline),
    `| PNG files: other processes' CPU during these measurements (median) | ${Number.isNaN(p.otherProcessesCores) ? 'n/a' : `${p.otherProcessesCores.toFixed(2)} cores`} |`,
  ];
}

const fmt = (g) => (g.unit === 'ms' ? `${g.measured.toFixed(3)} ms` : g.unit === '×' ? `${g.measured.toFixed(2)}×` : `${(g.measured * 100).toFixed(0)}%`);
const target = (g) => (g.target === null ? '—' : g.unit === 'ms' ? `≤ ${g.target} ms` : g.unit === '×' ? `≥ ${g.target}×` : `≥ ${g.target * 100}%`);
const f = results.figures;
const lines = [
  `Model: \`${metadata.name}\` (${modelPath.replace(repo + '/', '')}), device ${model.device}, ${results.cores} cores.`,
  '',
  '| measure | value |',
  '|---|---|',
  `| embed from decoded 28×28 tensors, batch ${f.embedFromTensors.batchSize}: raw onnxruntime-node | ${f.embedFromTensors.rawOnnxruntimeImagesPerSec.toFixed(0)} images/s |`,
  `| embed from decoded 28×28 tensors, batch ${f.embedFromTensors.batchSize}: siamese-sdk | ${f.embedFromTensors.sdkImagesPerSec.toFixed(0)} images/s |`,
  ...pngLines(f.embedFromPngFiles),
  `| rank, cached 20-way 1-shot, decoded 28×28 query: p50 / p99 | ${f.rank20way.p50Ms.toFixed(3)} / ${f.rank20way.p99Ms.toFixed(3)} ms |`,
  ...f.rankGallery.map((g) => `| rank, ${g.embeddings.toLocaleString('en')} embeddings (exact, k = 10): p50 / p99 | ${g.p50Ms.toFixed(3)} / ${g.p99Ms.toFixed(3)} ms |`),
  '',
  '| goal | measured | target | met |',
  '|---|---|---|---|',
  ...results.goals.map((g) => `| ${g.name} | ${fmt(g)} | ${target(g)} | ${g.met === null ? '—' : g.met ? 'met' : 'NOT met'} |`),
];
console.log(lines.join('\n'));
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2) + '\n');
