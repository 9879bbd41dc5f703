// rank latency against cached support sets of growing size, memory of a 1,000,000-embedding set, RSS stability over
// 100,000 rank calls, and the approximate (IVF) index: recall@10 against exact search, latency, build time.
// Run by perf-bench.mjs in its own process: `node rank-scale.mjs <out.json> <model.onnx> [--quick]`.
import { writeFileSync } from 'node:fs';
import { ApproximateIndex, TopK, scoreRows } from '@siamese-sdk/core';
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

// 2. The approximate index behind the same call, on the largest gallery: build time, recall@10 vs exact, latency.
{
  const { set, matrix, queries, size } = million;
  const nq = quick ? 30 : 50;
  const truth = [];
  const scores = new Float32Array(size);
  for (let i = 0; i < nq; i++) {
    scoreRows(matrix, dim, queries.subarray(i * dim, i * dim + dim), scores);
    const top = new TopK(10);
    for (let r = 0; r < size; r++) top.push(r, scores[r]);
    truth.push(new Set(top.sorted().map((x) => `g${x.id}`)));
  }
  const t0 = performance.now();
  // Cells capped at 500 to bound the build (assigning every row costs rows × cells dot products).
  const approximate = { lists: Math.min(500, Math.round(Math.sqrt(size))), iterations: 3, trainingSample: 16_000 };
  set.setSearch({ index: 'approximate', approximate });
  const index = set.approximateIndex();
  const buildSeconds = (performance.now() - t0) / 1000;
  log(`approximate index over ${size}: ${index.lists} cells, built in ${buildSeconds.toFixed(1)} s`);
  for (const probes of [index.probes, Math.round(index.probes * 1.5), index.probes * 2, index.probes * 3].filter((p) => p <= index.lists)) {
    // The built cells are reused: only the probe count differs, passed straight to the index.
    let hits = 0;
    const query = (i) => queries.subarray(i * dim, i * dim + dim);
    for (let i = 0; i < nq; i++) for (const { id } of index.search(query(i), 10, probes)) if (truth[i].has(`g${id}`)) hits++;
    let q = 0;
    const t = time(() => index.search(query((q = (q + 1) % nq)), 10, probes), 100);
    result.approximate.push({ embeddings: size, lists: index.lists, probes, buildSeconds, recallAt10: hits / (nq * 10), ...t, indexMiB: mib(index.bytes) });
    log(`approximate probes ${probes}: recall@10 ${(hits / (nq * 10)).toFixed(3)}, p50 ${t.p50Ms.toFixed(3)} ms`);
  }
  // The full rank call through the support set (labels, probabilities) at the default probes.
  set.setSearch({ index: 'approximate', approximate });
  set.rankEmbedding(queries.subarray(0, dim), { k: 10 });
  result.approximateRankCallBuildSeconds = buildSeconds;
  let q = 0;
  result.approximateRankCall = time(() => set.rankEmbedding(queries.subarray((q = (q + 1) % nq) * dim, q * dim + dim), { k: 10 }), 100);
  result.memory.largestSetMiB = result.sizes.at(-1).setMiB;
  result.memory.largestSetEmbeddings = size;
  million = undefined;
}

await model.dispose();
await closeDecodePool();
writeFileSync(outFile, JSON.stringify(result));
