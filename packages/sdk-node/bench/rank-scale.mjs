// rank latency against cached support sets of growing size, memory of a 1,000,000-embedding set, RSS stability over
// 100,000 rank calls, and the approximate (IVF) index: recall@10 against exact search, latency, build time.
// Run by perf-bench.mjs in its own process: `node rank-scale.mjs <out.json> <model.onnx> [--quick]`.
import { writeFileSync } from 'node:fs';
import { MIN_SCAN_ROWS, TopK, scoreRows } from '@siamese-sdk/core';
import { closeDecodePool, loadModel } from '../dist/index.js';

const [outFile, modelPath, flag] = process.argv.slice(2);
const quick = flag === '--quick';
const log = (...a) => console.error('[rank-scale]', ...a);
const mib = (bytes) => bytes / 2 ** 20;
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Seeded unit vectors shaped like real embeddings: classes of 20 around random centres (same-class cosine ≈ 0.7). */
function clustered(rows, dim, seed, queries = 100) {
  let s = seed;
  const uniform = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const gauss = () => uniform() + uniform() + uniform() + uniform() + uniform() + uniform();
  const centres = Math.max(1, Math.ceil(rows / 20));
  const unit = (v, o) => { let n = 0; for (let i = 0; i < dim; i++) n += v[o + i] ** 2; n = 1 / Math.sqrt(n); for (let i = 0; i < dim; i++) v[o + i] *= n; };
  const c = Float32Array.from({ length: centres * dim }, gauss);
  for (let i = 0; i < centres; i++) unit(c, i * dim);
  const around = (out, o, k) => { for (let i = 0; i < dim; i++) out[o + i] = c[k * dim + i] + (0.86 / Math.sqrt(dim)) * gauss(); unit(out, o); };
  const matrix = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) around(matrix, r * dim, r % centres);
  const q = new Float32Array(queries * dim);
  for (let i = 0; i < queries; i++) around(q, i * dim, (i * 7919) % centres);
  return { matrix, queries: q };
}

function time(f, reps) {
  f();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return { p50Ms: percentile(ts, 50), p99Ms: percentile(ts, 99), reps };
}

const model = await loadModel(modelPath, { device: 'cpu' });
const dim = model.embeddingSize;
const emptyJSON = { format: 'siamese-sdk/support-set', version: 1, model: { name: model.metadata.name, fingerprint: model.fingerprint, embeddingSize: dim }, labels: [] };
const result = { dim, sizes: [], memory: {}, approximate: [] };
const gc = () => globalThis.gc?.();

// 0. RSS stability, measured first (before the large galleries inflate the heap): a cached 20-way set, rank of a
//    decoded query image (inference included), 100,000 calls.
{
  const { matrix } = clustered(20, dim, 7);
  const set = model.supportSetFromJSON(emptyJSON);
  for (let r = 0; r < 20; r++) set.addEmbeddings(`c${r}`, [matrix.subarray(r * dim, (r + 1) * dim)]);
  const query = { data: Uint8Array.from({ length: 784 }, (_, i) => (i % 29 < 3 ? 0 : 255)), width: 28, height: 28, channels: 1 };
  const calls = quick ? 20_000 : 100_000;
  const t0 = performance.now();
  let rssAt1000 = 0;
  for (let i = 1; i <= calls; i++) {
    await set.rank(query);
    if (i === 1000) {
      gc();
      rssAt1000 = process.memoryUsage().rss;
    }
  }
  gc();
  const rssAtEnd = process.memoryUsage().rss;
  result.memory.rankCalls = { calls, rssAt1000MiB: mib(rssAt1000), rssAtEndMiB: mib(rssAtEnd), growth: rssAtEnd / rssAt1000 - 1, seconds: (performance.now() - t0) / 1000 };
  log(`RSS after 1,000 rank calls ${mib(rssAt1000).toFixed(0)} MiB, after ${calls}: ${mib(rssAtEnd).toFixed(0)} MiB`);
}

// 1. Exact rank of a precomputed query embedding against galleries of growing size (one embedding per label).
const sizes = quick ? [5, 20, 1000, 100_000] : [5, 20, 1000, 100_000, 1_000_000];
let million;
for (const size of sizes) {
  const { matrix, queries } = clustered(size, dim, size);
  gc();
  const rssBefore = process.memoryUsage().rss;
  const set = model.supportSetFromJSON(emptyJSON);
  for (let r = 0; r < size; r++) set.addEmbeddings(`g${r}`, [matrix.subarray(r * dim, (r + 1) * dim)]);
  set.rankEmbedding(queries.subarray(0, dim), { k: 10 }); // compile the index
  gc();
  const setBytes = process.memoryUsage().rss - rssBefore;
  let q = 0;
  const t = time(() => set.rankEmbedding(queries.subarray((q = (q + 1) % 100) * dim, q * dim + dim), { k: 10 }), size >= 1_000_000 ? 20 : size >= 100_000 ? 60 : 2000);
  result.sizes.push({ embeddings: size, ...t, setMiB: mib(setBytes) });
  log(`exact ${size}: p50 ${t.p50Ms.toFixed(3)} ms, p99 ${t.p99Ms.toFixed(3)} ms, set ${mib(setBytes).toFixed(0)} MiB`);
  if (size === sizes.at(-1)) million = { set, matrix, queries, size };
}

// 2. The approximate index behind the same call, on the largest gallery, with its DEFAULT options: build time,
//    recall@10 against exact search (same gallery, same queries, this run), latency, rows scanned; then the scan share
//    swept around the default to show the recall/latency trade-off (same built index).
{
  const { set, matrix, queries, size } = million;
  const nq = quick ? 50 : 100;
  const truth = [];
  const scores = new Float32Array(size);
  for (let i = 0; i < nq; i++) {
    scoreRows(matrix, dim, queries.subarray(i * dim, i * dim + dim), scores);
    const top = new TopK(10);
    for (let r = 0; r < size; r++) top.push(r, scores[r]);
    truth.push(new Set(top.sorted().map((x) => `g${x.id}`)));
  }
  const t0 = performance.now();
  set.setSearch({ index: 'approximate' });
  const index = set.approximateIndex();
  const buildSeconds = (performance.now() - t0) / 1000;
  log(`approximate index over ${size}: ${index.lists} cells, ${index.simd ? 'WebAssembly SIMD' : 'JavaScript'} kernels, built in ${buildSeconds.toFixed(1)} s`);
  const query = (i) => queries.subarray(i * dim, i * dim + dim);
  // Shares below the index's floor of MIN_SCAN_ROWS would all scan the same rows: only the default is kept then.
  const shares = [0.01, 0.02, 0.03, index.scanShare, 0.06].filter((v, i, a) => a.indexOf(v) === i && (v === index.scanShare || v * size >= MIN_SCAN_ROWS));
  for (const scanShare of shares.sort((x, y) => x - y)) {
    let hits = 0, scanned = 0;
    for (let i = 0; i < nq; i++) {
      for (const { id } of index.search(query(i), 10, { scanShare })) if (truth[i].has(`g${id}`)) hits++;
      scanned += index.lastScannedRows;
    }
    let q = 0;
    const t = time(() => index.search(query((q = (q + 1) % nq)), 10, { scanShare }), 200);
    result.approximate.push({
      embeddings: size, lists: index.lists, scanShare, isDefault: scanShare === index.scanShare, rowsScanned: scanned / nq, simd: index.simd,
      buildSeconds, recallAt10: hits / (nq * 10), queries: nq, ...t, indexMiB: mib(index.bytes),
    });
    log(`approximate scan ${(scanShare * 100).toFixed(0)}% (${(scanned / nq).toFixed(0)} rows): recall@10 ${(hits / (nq * 10)).toFixed(3)}, p50 ${t.p50Ms.toFixed(3)} ms`);
  }
  // The full rank call through the support set (labels, probabilities) with the default options, and its recall.
  let hits = 0;
  for (let i = 0; i < nq; i++) for (const m of set.rankEmbedding(query(i), { k: 10 })) if (truth[i].has(m.label)) hits++;
  let q = 0;
  result.approximateRankCall = {
    ...time(() => set.rankEmbedding(query((q = (q + 1) % nq)), { k: 10 }), 200),
    recallAt10: hits / (nq * 10), buildSeconds, lists: index.lists, scanShare: index.scanShare, simd: index.simd,
  };
  result.approximateRankCallBuildSeconds = buildSeconds;
  log(`approximate rankEmbedding (defaults): recall@10 ${(hits / (nq * 10)).toFixed(3)}, p50 ${result.approximateRankCall.p50Ms.toFixed(3)} ms`);
  result.memory.largestSetMiB = result.sizes.at(-1).setMiB;
  result.memory.largestSetEmbeddings = size;
  million = undefined;
}

await model.dispose();
await closeDecodePool();
writeFileSync(outFile, JSON.stringify(result));
