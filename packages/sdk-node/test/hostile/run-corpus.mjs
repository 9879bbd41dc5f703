/**
 * Child process of the hostile-image test: feeds every file of a corpus to the BUILT siamese-sdk (`embed` by path,
 * `rank` by bytes against a cached support set, and batches through the decode worker pool) and prints one JSON
 * line per file. Running apart from the test runner means a crash (abort, segfault, OOM) or a hang is seen by the
 * parent as a dead or silent child and named, instead of taking the test run down with it.
 *
 *   node run-corpus.mjs <manifest.json> <model.onnx> <supportDir>
 */
import { readFileSync } from 'node:fs';
import { SiameseError, closeDecodePool, loadModel } from '../../dist/index.js';

const [manifestPath, modelPath, supportDir] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const emit = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);

process.on('unhandledRejection', (reason) => {
  emit({ type: 'fatal', message: `unhandled rejection: ${String(reason?.stack ?? reason)}` });
  process.exit(3);
});

const outcome = (error) => (error instanceof SiameseError ? error.code : `UNTYPED ${error?.name}: ${String(error?.message ?? error).slice(0, 200)}`);

function sane(e, size) {
  if (!(e instanceof Float32Array) || e.length !== size) return `length ${e?.length}`;
  let norm = 0;
  for (const v of e) {
    if (!Number.isFinite(v)) return 'non-finite value';
    norm += v * v;
  }
  return Math.abs(Math.sqrt(norm) - 1) < 1e-3 ? undefined : `norm ${Math.sqrt(norm)}`;
}

const model = await loadModel(modelPath, { threads: 1 });
const set = await model.supportSet(supportDir);
const size = model.metadata.output.size;
const byName = new Map();
const baseRss = process.memoryUsage().rss;
emit({ type: 'start', rss: baseRss, size });

for (const item of manifest) {
  const started = performance.now();
  const record = { type: 'item', name: item.name };
  try {
    const [e] = await model.embed([item.file]);
    record.embed = 'ok';
    record.problem = sane(e, size);
    byName.set(item.name, e);
    if (item.sameAs) {
      const ref = byName.get(item.sameAs);
      let diff = 0;
      for (let i = 0; i < size; i++) diff = Math.max(diff, Math.abs(e[i] - ref[i]));
      record.diff = diff;
    }
  } catch (error) {
    record.embed = outcome(error);
  }
  try {
    const ranking = await model.rank(readFileSync(item.file), set, { k: 3 });
    const scoresOk = ranking.length > 0 && ranking.every((m) => Number.isFinite(m.score) && Number.isFinite(m.probability) && m.probability >= 0 && m.probability <= 1);
    record.rank = scoresOk ? 'ok' : 'BAD RANKING';
  } catch (error) {
    record.rank = outcome(error);
  }
  record.ms = performance.now() - started;
  record.rss = process.memoryUsage().rss;
  emit(record);
}

// Batches go through the worker pool: a bad file fails its batch with its index named; the pool must survive.
let batches = 0;
let batchFailures = 0;
for (let i = 0; i < manifest.length; i += 48) {
  const files = manifest.slice(i, i + 48).map((m) => m.file);
  batches++;
  try {
    await model.embed(files);
  } catch (error) {
    if (!(error instanceof SiameseError) || typeof error.details.index !== 'number') {
      emit({ type: 'fatal', message: `batch ${i}: ${outcome(error)} without an index` });
      process.exit(4);
    }
    batchFailures++;
  }
}
// The pool still works after all that.
const [after] = await model.embed([manifest[0].file, manifest[0].file]);
emit({ type: 'done', batches, batchFailures, poolStillWorks: sane(after, size) === undefined, rss: process.memoryUsage().rss });
await model.dispose();
await closeDecodePool();
