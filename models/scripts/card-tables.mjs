#!/usr/bin/env node
// Prints the model card's measured tables (Markdown) from the files the pipeline writes, so the card's figures are
// copied, never retyped:
//   node models/scripts/card-tables.mjs --report runs/final/report.json --sdk runs/sdk-eval-fp32.json
//        [--sdk-fp16 runs/sdk-eval-fp16.json] [--sdk-int8 runs/sdk-eval-int8.json]
//        [--sdk-int8-qdq runs/sdk-eval-int8-qdq.json] [--h2h runs/h2h]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    report: { type: 'string' },
    sdk: { type: 'string' },
    'sdk-fp16': { type: 'string' },
    'sdk-int8': { type: 'string' },
    'sdk-int8-qdq': { type: 'string' },
    h2h: { type: 'string' },
  },
});
const read = (p) => (p && existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : undefined);
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const ci = (r) => (r ? `${(100 * r.accuracy).toFixed(1)}% ± ${(100 * r.ci95).toFixed(1)}` : '–');
const TASKS = [
  ['random_5way_1shot', '5-way 1-shot, random'],
  ['random_5way_5shot', '5-way 5-shot, random'],
  ['random_20way_1shot', '20-way 1-shot, random'],
  ['random_20way_5shot', '20-way 5-shot, random'],
  ['within_20way_1shot_lake', '20-way 1-shot, within alphabet (Lake)'],
  ['random_5way_5shot_nearest', '5-way 5-shot, random, nearest example'],
];

if (values.h2h) {
  console.log('| loss | batch | steps | images | wall time | val 20-way 1-shot (1,000 ep.) | eval 20-way 1-shot (300 ep.) | eval 5-way 1-shot (300 ep.) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const name of ['contrastive', 'triplet-semihard', 'triplet-hard', 'proto']) {
    const dir = join(values.h2h, name);
    if (!existsSync(join(dir, 'metrics.jsonl'))) continue;
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const val = metrics.filter((m) => m.kind === 'val').at(-1);
    const config = read(join(dir, 'config.json')).trainer;
    const report = read(join(dir, 'report.json'));
    const wall = /wall ([\d.]+) s/.exec(readFileSync(join(values.h2h, `${name}.log`), 'utf8'))?.[1];
    const find = (key) => report?.evaluation.fewShot.find((f) => `${f.withinGroup ? 'within' : 'random'}_${f.way}way_${f.shot}shot` === key && f.method === 'prototype');
    const imgs = config.steps * config.classesPerBatch * config.imagesPerClass;
    console.log(
      `| ${name} | ${config.classesPerBatch}×${config.imagesPerClass} | ${config.steps} | ${imgs.toLocaleString('en')} | ${wall ? `${(Number(wall) / 60).toFixed(1)} min` : '?'} | ${val ? `${pct(val.accuracy)} ± ${(100 * val.ci95).toFixed(1)}` : '–'} | ${ci(find('random_20way_1shot'))} | ${ci(find('random_5way_1shot'))} |`,
    );
  }
  console.log();
}

const report = read(values.report);
const sdk = read(values.sdk);
if (report || sdk) {
  const train = {};
  for (const f of report?.evaluation.fewShot ?? []) {
    const method = f.method && f.method !== 'prototype' ? `_${f.method}` : '';
    train[`${f.withinGroup ? 'within' : 'random'}_${f.way}way_${f.shot}shot${f.drawerSplit ? '_lake' : ''}${method}`] = f;
  }
  // The other stored variants, each a column when its SDK-side JSON is given.
  const variants = ['fp16', 'int8', 'int8-qdq'].map((dtype) => [dtype, read(values[`sdk-${dtype}`])]).filter(([, r]) => r);
  console.log(`| task (evaluation set) | siamese-train eval (tfjs) | siamese-sdk fp32 | ${variants.map(([d]) => `siamese-sdk ${d} | `).join('')}`);
  console.log(`|---|---|---|${variants.map(() => '---|').join('')}`);
  for (const [key, label] of TASKS) {
    console.log(`| ${label} | ${ci(train[key])} | ${ci(sdk?.fewShot[key])} | ${variants.map(([, r]) => `${ci(r.fewShot[key])} | `).join('')}`);
  }
  const v = (x) => (x ? `AUC ${x.rocAuc.toFixed(4)}, EER ${pct(x.eer)}` : '–');
  const tv = report?.evaluation.verification;
  console.log(`| verification (10,000 pairs) | ${tv ? `AUC ${tv.auc.toFixed(4)}, EER ${pct(tv.eer)}` : '–'} | ${v(sdk?.verification)} | ${variants.map(([, r]) => `${v(r.verification)} | `).join('')}`);
}
