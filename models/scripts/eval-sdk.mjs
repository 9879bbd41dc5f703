#!/usr/bin/env node
// The SDK side of the model card's evaluation: loads an exported .onnx with siamese-sdk (onnxruntime-node, the
// SDK's own PNG decoding and preprocessing from the original 105×105 files in images_evaluation.zip), embeds all
// 13,180 evaluation images, and scores exactly the episodes `siamese-train eval` scores — same episode sampler,
// same seed, same image order — so the two sides can be compared figure by figure.
//
//   node models/scripts/eval-sdk.mjs models/omniglot-conv4.onnx [--omniglot-dir ../shared/data/omniglot]
//        [--episodes 1000] [--pairs 10000] [--json out.json] [--run runs/<name> [--tta]]
//
// --run also embeds the run's best checkpoint with TensorFlow.js (the train side: cached 28×28 images) and scores
// the same episodes on its raw embeddings (what `siamese-train eval` reports) and on L2-normalised ones (what
// the SDKs compare, since they always normalise) — so any gap is attributable: normalisation vs. runtime/decoding.
// With --tta the run is embedded through the test-time shifted views (what `siamese-train eval --tta` reports and
// what a file exported with `export --tta` computes in its graph).
//
// Needs the built packages (pnpm -C packages/train build; pnpm -C packages/sdk-node build).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  REPORT_TASKS,
  ZipArchive,
  evaluateEmbedded,
  embedPool,
  loadOmniglot,
  loadRun,
  poolFromSet,
  runThroughViews,
  TTA_SHIFTS,
  calibrateDistances,
  splitPairDistances,
  taskName,
  verificationPairs,
  verificationSeed,
} from '../../packages/train/dist/index.js';
import { closeDecodePool, loadModel } from '../../packages/sdk-node/dist/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'omniglot-dir': { type: 'string', default: '../shared/data/omniglot' },
    'cache-dir': { type: 'string' },
    episodes: { type: 'string', default: '1000' },
    pairs: { type: 'string', default: '10000' },
    json: { type: 'string' },
    run: { type: 'string' },
    tta: { type: 'boolean', default: false },
  },
});
const modelPath = positionals[0] ?? 'models/omniglot-conv4.onnx';
const episodes = Number(values.episodes);
const pairs = Number(values.pairs);

const started = performance.now();
// The train package's loader gives the evaluation set's file list, classes and drawers in the order its
// evaluation uses; its pixels are not used here — the SDK decodes the PNG files itself.
const { set } = await loadOmniglot('evaluation', { dir: values['omniglot-dir'], cacheDir: values['cache-dir'] });
const pool = poolFromSet(set);
const zip = ZipArchive.open(join(values['omniglot-dir'], 'images_evaluation.zip'));

// Row order of embedPool (class by class, images in pool order), so episode indices mean the same images.
const rows = [];
const classes = pool.classes.map((c) => {
  const members = [];
  const drawers = [];
  for (const image of c.images) {
    members.push(rows.length);
    drawers.push(set.drawers[image]);
    rows.push(image);
  }
  return { group: c.group, members, drawers };
});

const model = await loadModel(modelPath);
// set.files holds '<zip path>:<entry name>'.
const entryName = (file) => file.slice(file.lastIndexOf('.zip:') + 5);
const bytes = rows.map((image) => zip.read(entryName(set.files[image])));
const embedded = await model.embed(bytes);
const dim = model.embeddingSize;
const embeddings = new Float32Array(rows.length * dim);
embedded.forEach((e, i) => embeddings.set(e, i * dim));
const embedSeconds = (performance.now() - started) / 1000;

const score = (e) => {
  const report = evaluateEmbedded(e, { tasks: REPORT_TASKS, episodes, verificationPairs: pairs });
  return {
    report,
    figures: Object.fromEntries(report.fewShot.map((r) => [taskName(r), { accuracy: r.accuracy, ci95: r.ci95, episodes: r.episodes }])),
    verification: report.verification && { rocAuc: report.verification.auc, eer: report.verification.eer },
  };
};
const { report, figures } = score({ embeddings, dim, n: rows.length, classes });

// The model's stored same/different threshold on the evaluation pairs (the same pairs as the verification figures):
// balanced accuracy of `distance <= threshold`, next to the best any threshold reaches on these pairs — how well the
// calibration (fitted on validation pairs, or copied from a sibling model) carries over to unseen alphabets.
function thresholdCheck(threshold) {
  const { distances, same } = verificationPairs(embeddings, dim, classes, pairs, verificationSeed());
  const { positives, negatives } = splitPairDistances(distances, same);
  const accepted = (list, keep) => list.filter((d) => keep(d)).length / list.length;
  const balancedAccuracy = (accepted(positives, (d) => d <= threshold) + accepted(negatives, (d) => d > threshold)) / 2;
  // The best threshold for these pairs: the calibration's own sweep (what the exporter fits on validation pairs).
  const best = calibrateDistances({ positives, negatives });
  return { threshold, balancedAccuracy, best: { threshold: best.threshold, balancedAccuracy: best.accuracy } };
}

function normalizeRows(e) {
  const out = new Float32Array(e.embeddings);
  for (let r = 0; r < e.n; r++) {
    let s = 0;
    for (let k = 0; k < e.dim; k++) s += out[r * e.dim + k] ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let k = 0; k < e.dim; k++) out[r * e.dim + k] *= inv;
  }
  return { ...e, embeddings: out };
}

let reference;
if (values.run) {
  const run = await loadRun(values.run, { backend: 'wasm' });
  try {
    const { embed } = runThroughViews(run, values.tta ? TTA_SHIFTS : undefined);
    const raw = await embedPool(embed, pool);
    const rawScore = score(raw);
    const normScore = score(normalizeRows(raw));
    reference = { run: values.run, step: run.manifest.step, views: values.tta ? TTA_SHIFTS : undefined, raw: { fewShot: rawScore.figures, verification: rawScore.verification }, normalized: { fewShot: normScore.figures, verification: normScore.verification } };
  } finally {
    await run.dispose();
  }
}
const out = {
  model: modelPath,
  side: 'siamese-sdk (onnxruntime-node, SDK decoding + preprocessing of the original PNGs)',
  images: report.images,
  classes: report.classes,
  fewShot: figures,
  verification: report.verification && { rocAuc: report.verification.auc, eer: report.verification.eer },
  modelThreshold: thresholdCheck(model.metadata.calibration.threshold),
  reference,
  seconds: (performance.now() - started) / 1000,
  embedSeconds,
};
const fmt = (r) => (r ? `${(100 * r.accuracy).toFixed(2)} ± ${(100 * r.ci95).toFixed(2)}` : '-').padEnd(16);
console.log(`${'task'.padEnd(34)} ${'SDK (onnx)'.padEnd(16)} ${reference ? `${'tfjs raw'.padEnd(16)} tfjs L2-normalised` : ''}`);
for (const [name, r] of Object.entries(figures)) {
  console.log(`${name.padEnd(34)} ${fmt(r)} ${reference ? `${fmt(reference.raw.fewShot[name])} ${fmt(reference.normalized.fewShot[name])}` : ''}`);
}
const v = (x) => (x ? `AUC ${x.rocAuc.toFixed(4)} EER ${(100 * x.eer).toFixed(2)}%` : '-');
console.log(`${'verification'.padEnd(34)} ${v(out.verification)}${reference ? ` | raw ${v(reference.raw.verification)} | L2 ${v(reference.normalized.verification)}` : ''}`);
const th = out.modelThreshold;
console.log(`model threshold ${th.threshold.toFixed(4)}: balanced accuracy ${(100 * th.balancedAccuracy).toFixed(2)}% on these pairs (best threshold ${th.best.threshold.toFixed(4)}: ${(100 * th.best.balancedAccuracy).toFixed(2)}%)`);
console.log(`${report.images} images, ${out.seconds.toFixed(1)} s (embedding ${embedSeconds.toFixed(1)} s)`);
if (values.json) writeFileSync(values.json, JSON.stringify(out, null, 2));
await model.dispose();
await closeDecodePool();
