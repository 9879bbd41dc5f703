/**
 * `siamese-train export` end to end on a real (small, untrained) run: a checkpoint written in the trainer's format
 * over a folder dataset of real Omniglot images (fixtures/omniglot-eval-mini/Tengwar: 20 characters × 20
 * drawers). The exported file runs in onnxruntime-node like the checkpoint's model, and carries calibration,
 * training facts and figures.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSiameseError, readModelMetadata, type SiameseErrorCode } from '@siamese-sdk/core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildEmbeddingNet } from '../../src/model/index.js';
import { writeCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { dataTarget, type DataOptions } from '../../src/data/prepare.js';
import type { NamedTensors } from '../../src/train/stepper.js';
import type { NetConfig } from '../../src/model/net-config.js';
import type { LossConfig } from '../../src/losses/index.js';
import { runExportCommand } from '../../src/cli/export-command.js';
import { exportRun } from '../../src/export/index.js';
import { evaluateRun } from '../../src/eval/evaluate-run.js';
import { TTA_SHIFTS, shiftViewsFor, withShiftViews } from '../../src/eval/shift-views.js';
import { FIXTURE_DIR, tempDir } from '../helpers.js';
import { maxAbsDiff, nhwcToNchw, predictTf, randomizeWeights, rng, runOrtNode, uniform, useCpuBackend } from './helpers.js';

const net: NetConfig = { inputSize: 28, channels: 1, width: 16, depth: 4, embeddingSize: 0, l2Normalize: true };

/** A model's weights as a checkpoint stores them. */
function weightsOf(m: LayersModel): NamedTensors {
  const weights: NamedTensors = {};
  for (const w of m.weights) weights[w.originalName] = { shape: w.shape as number[], values: new Float32Array(w.read().dataSync()) };
  return weights;
}

/** A run folder holding one checkpoint in the trainer's format, over the given data options. */
function writeRun(dir: string, tag: 'best' | 'last', run: { step: number; net: NetConfig; loss: LossConfig; data: DataOptions; weights: NamedTensors; metrics?: Record<string, unknown> }): void {
  const info = { step: run.step, net: run.net, loss: run.loss, preprocess: dataTarget(run.data), config: {}, data: { options: run.data, source: run.data.data }, rng: {}, metrics: run.metrics ?? {} };
  writeCheckpoint(join(dir, 'checkpoints'), tag, info, { weights: run.weights, optimizer: {} });
}

async function codeOf(p: Promise<unknown>): Promise<SiameseErrorCode | string> {
  try {
    await p;
  } catch (e) {
    return isSiameseError(e) ? e.code : `other error: ${String(e)}`;
  }
  return 'no error';
}

describe('siamese-train export', () => {
  let runDir: string;
  let model: LayersModel;
  const logs: string[] = [];
  const log = (m: string): void => {
    logs.push(m);
  };

  beforeAll(async () => {
    await useCpuBackend();
    const root = tempDir('export-run');
    runDir = join(root, 'run');
    const dataOptions: DataOptions = { data: join(FIXTURE_DIR, 'Tengwar'), inputSize: 28, channels: 1, seed: 3, valFraction: 0.5, cacheDir: join(root, 'cache') };
    model = buildEmbeddingNet(net, 11);
    randomizeWeights(model, 11);
    writeRun(runDir, 'best', { step: 10, net, loss: { kind: 'proto' }, data: dataOptions, weights: weightsOf(model), metrics: { best: 0.5, seconds: 12 } });
    // What `siamese-train eval` writes (only the part the exporter reads).
    writeFileSync(join(runDir, 'report.json'), JSON.stringify({ testSet: 'validation split of Tengwar', checkpoint: { tag: 'best', step: 10 }, figures: { random_5way_1shot: 0.61, verification_auc: 0.7, note: 'not a number' } }));
  });

  it('writes a self-describing fp32 model that computes what the checkpoint computes', async () => {
    const out = join(runDir, '..', 'models', 'tengwar-test.onnx');
    expect(await runExportCommand([runDir, '--out', out, '--pairs', '2000', '--episodes', '200', '--backend', 'cpu'], log)).toBe(0);
    expect(existsSync(out)).toBe(true);
    const bytes = new Uint8Array(readFileSync(out));
    const m = readModelMetadata(bytes);
    expect(m).toMatchObject({
      name: 'tengwar-test',
      input: { width: 28, height: 28, channels: 1 },
      preprocess: dataTarget({ data: 'x', channels: 1 }).preprocess,
      output: { size: 16, normalized: true },
      distance: 'euclidean',
      dtype: 'fp32',
      producer: { name: '@siamese-sdk/train' },
    });
    expect(m.calibration.pairs).toBe(2000);
    expect(m.calibration.threshold).toBeGreaterThan(0);
    expect(m.calibration.threshold).toBeLessThan(2);
    expect(m.calibration.plattA).toBeGreaterThan(0); // farther = less likely the same class
    expect(m.training).toMatchObject({ data: 'Tengwar', steps: 10, checkpoint: 'best', loss: { kind: 'proto' }, evaluatedOn: 'validation split of Tengwar' });
    expect(m.evaluation).toMatchObject({ random_5way_1shot: 0.61, verification_auc: 0.7 });
    expect(m.evaluation?.validation_5way_1shot).toBeGreaterThan(0.2); // 5-way chance
    expect(m.evaluation).not.toHaveProperty('note');
    expect(logs.some((l) => /sha256 [0-9a-f]{64}/.test(l))).toBe(true);
    expect(logs.some((l) => l.includes('size '))).toBe(true);

    const n = 3;
    const x = uniform(n * 28 * 28, rng(4), 0, 1);
    const ort = await runOrtNode(bytes, nhwcToNchw(x, n, 28, 28, 1), [n, 1, 28, 28]);
    expect(maxAbsDiff(predictTf(model, x, n), ort.output)).toBeLessThan(1e-4);
  });

  it('int8: reports the size and the validation accuracy change of the stored file', async () => {
    const result = await exportRun({ run: join(runDir, 'checkpoints', 'best.json'), out: join(runDir, 'int8.onnx'), dtype: 'int8', pairs: 2000, episodes: 300, backend: 'cpu', onLog: log });
    expect(result.metadata.dtype).toBe('int8');
    expect(result.bytes / result.fp32Bytes).toBeLessThan(0.45); // a width-16 net: biases and headers weigh more than in Conv-4
    expect(result.dtypeCheck).toBeDefined();
    expect(Math.abs(result.dtypeCheck!.changePoints)).toBeLessThan(3);
    expect(result.metadata.evaluation?.validation_5way_1shot_int8).toBe(result.dtypeCheck!.stored);
    console.log(`int8 export: ${result.bytes} bytes vs fp32 ${result.fp32Bytes}; 5-way 1-shot validation ${(100 * result.dtypeCheck!.fp32).toFixed(1)}% → ${(100 * result.dtypeCheck!.stored).toFixed(1)}%`);
  });

  it('a final fit (no validation split) takes its calibration from another model file, checked to match', async () => {
    // The same network trained with --val-fraction 0: every fixture class trained, none left to calibrate on.
    const fitDir = join(runDir, '..', 'final-fit');
    const fitOptions: DataOptions = { data: join(FIXTURE_DIR, 'Tengwar'), inputSize: 28, channels: 1, seed: 3, valFraction: 0, cacheDir: join(runDir, '..', 'cache') };
    const weights = weightsOf(model);
    writeRun(fitDir, 'last', { step: 20, net, loss: { kind: 'proto' }, data: fitOptions, weights, metrics: { seconds: 3 } });
    const out = join(fitDir, 'fit.onnx');
    const refused = await runExportCommand([fitDir, '--out', out, '--backend', 'cpu'], log).catch((e: unknown) => e);
    expect(isSiameseError(refused) && refused.code).toBe('INVALID_ARGUMENT');
    expect(String((refused as Error).message)).toMatch(/without a validation split .* pass --calibration-from <model\.onnx>/);
    expect(existsSync(out)).toBe(false);
    expect(await codeOf(evaluateRun(fitDir, { split: 'validation', backend: 'cpu' }))).toBe('INVALID_ARGUMENT');

    // A source model fitted on validation pairs (the first run's recipe), then the transfer.
    const source = join(runDir, '..', 'models', 'calibration-source.onnx');
    const fitted = await exportRun({ run: runDir, out: source, pairs: 2000, episodes: 100, backend: 'cpu' });
    const sourceBytes = new Uint8Array(readFileSync(source));
    expect(await codeOf(exportRun({ run: fitDir, out, calibrationFrom: source, pairs: 500, backend: 'cpu' }))).toBe('INVALID_ARGUMENT'); // nothing is fitted
    const result = await exportRun({ run: fitDir, out, calibrationFrom: source, backend: 'cpu', onLog: log });
    const m = readModelMetadata(new Uint8Array(readFileSync(out)));
    expect(m.calibration).toEqual({ threshold: fitted.calibration.threshold, plattA: fitted.calibration.plattA, plattB: fitted.calibration.plattB, pairs: 2000 });
    expect(result.calibration).toMatchObject({ source: { file: 'calibration-source.onnx', name: 'calibration-source', sha256: createHash('sha256').update(sourceBytes).digest('hex') } });
    expect(m.training).toMatchObject({ steps: 20, checkpoint: 'last', calibratedFrom: { name: 'calibration-source' } });
    expect(m.evaluation).not.toHaveProperty('calibration_accuracy'); // measured on the source model, not on this one
    expect(m.evaluation).not.toHaveProperty('validation_5way_1shot');

    // int8-qdq of a final fit: activation ranges from training images (5 of each of the 20 classes); the file runs like the float model.
    const qdq = await exportRun({ run: fitDir, out: join(fitDir, 'fit.int8-qdq.onnx'), dtype: 'int8-qdq', calibrationFrom: source, backend: 'cpu', onLog: log });
    expect(qdq.metadata.dtype).toBe('int8-qdq');
    expect(qdq.dtypeCheck).toBeUndefined();
    expect(logs.some((l) => /activation ranges of \d+ values measured on 100 training images/.test(l))).toBe(true);
    // Min/max ranges only widen with more images: at most 1,000, from classes spread over the pool (100 per class
    // → 10 of the 20 classes, each with its 20 images).
    await exportRun({ run: fitDir, out: join(fitDir, 'fit.int8-qdq-wide.onnx'), dtype: 'int8-qdq', calibrationFrom: source, calibrationImagesPerClass: 100, backend: 'cpu', onLog: log });
    expect(logs.some((l) => /activation ranges of \d+ values measured on 200 training images/.test(l))).toBe(true);
    const n = 4;
    const x = uniform(n * 28 * 28, rng(9), 0, 1);
    const float = await runOrtNode(new Uint8Array(readFileSync(out)), nhwcToNchw(x, n, 28, 28, 1), [n, 1, 28, 28]);
    const quant = await runOrtNode(new Uint8Array(readFileSync(qdq.file)), nhwcToNchw(x, n, 28, 28, 1), [n, 1, 28, 28]);
    expect(maxAbsDiff(float.output, quant.output)).toBeLessThan(0.25);

    // A run that has validation classes may copy a calibration too: it is used as is, for the stored file as well,
    // while the dtype accuracy check still runs on the validation classes.
    const withValidation = await exportRun({ run: runDir, out: join(fitDir, 'val-copied.int8.onnx'), dtype: 'int8', calibrationFrom: source, episodes: 100, backend: 'cpu' });
    expect(withValidation.metadata.calibration).toEqual(m.calibration);
    expect(withValidation.dtypeCheck).toBeDefined();

    // A source whose network does not normalise (--no-l2-normalize) is still calibrated on unit vectors: accepted.
    const rawNet: NetConfig = { ...net, l2Normalize: false };
    const rawRun = join(fitDir, '..', 'raw-run');
    writeRun(rawRun, 'best', { step: 5, net: rawNet, loss: { kind: 'proto' }, data: { ...fitOptions, valFraction: 0.5 }, weights });
    const rawSource = join(rawRun, 'raw.onnx');
    const raw = await exportRun({ run: rawRun, out: rawSource, pairs: 500, episodes: 50, backend: 'cpu' });
    expect(raw.metadata.output.normalized).toBe(false);
    const fromRaw = await exportRun({ run: fitDir, out: join(fitDir, 'from-raw.onnx'), calibrationFrom: rawSource, backend: 'cpu' });
    expect(fromRaw.metadata.calibration.threshold).toBe(raw.metadata.calibration.threshold);

    // Another loss: its distances mean something else, so its threshold is refused.
    const otherLoss = join(fitDir, '..', 'final-fit-contrastive');
    writeRun(otherLoss, 'last', { step: 20, net, loss: { kind: 'contrastive', margin: 1 }, data: fitOptions, weights });
    const lossMismatch = await exportRun({ run: otherLoss, out: join(otherLoss, 'x.onnx'), calibrationFrom: source, backend: 'cpu' }).catch((e: unknown) => e);
    expect(isSiameseError(lossMismatch) && lossMismatch.code).toBe('INVALID_ARGUMENT');
    expect(String((lossMismatch as Error).message)).toMatch(/trained with the proto loss, this run with contrastive/);

    // Other block widths with the same 16-d output: another network, refused.
    const netWide: NetConfig = { ...net, width: [32, 32, 16, 16] };
    const wideRun = join(fitDir, '..', 'final-fit-wide');
    writeRun(wideRun, 'last', { step: 1, net: netWide, loss: { kind: 'proto' }, data: fitOptions, weights: weightsOf(buildEmbeddingNet(netWide, 6)) });
    const netMismatch = await exportRun({ run: wideRun, out: join(wideRun, 'x.onnx'), calibrationFrom: source, backend: 'cpu' }).catch((e: unknown) => e);
    expect(isSiameseError(netMismatch) && netMismatch.code).toBe('INVALID_ARGUMENT');
    expect(String((netMismatch as Error).message)).toMatch(/its network's blocks have 16\/16\/16\/16 filters, this run's 32\/32\/16\/16/);

    // A source that does not fit: another input size (the same 16-d output: 32 px, width 4 flattens 2×2×4), another
    // embedding size, not a model, no file.
    const net32: NetConfig = { ...net, inputSize: 32, width: 4 };
    const fit32 = join(fitDir, '..', 'final-fit-32');
    writeRun(fit32, 'last', { step: 1, net: net32, loss: { kind: 'proto' }, data: { ...fitOptions, inputSize: 32 }, weights: weightsOf(buildEmbeddingNet(net32, 5)) });
    const mismatch = await exportRun({ run: fit32, out: join(fit32, 'x.onnx'), calibrationFrom: source, backend: 'cpu' }).catch((e: unknown) => e);
    expect(isSiameseError(mismatch) && mismatch.code).toBe('INVALID_ARGUMENT');
    expect(String((mismatch as Error).message)).toMatch(/takes 1×28×28 inputs, this run 1×32×32/);
    expect(await codeOf(exportRun({ run: fitDir, out: join(fitDir, 'x.onnx'), calibrationFrom: join(FIXTURE_DIR, '..', 'models', 'conv4-untrained.onnx'), backend: 'cpu' }))).toBe('INVALID_ARGUMENT');
    const junk = join(fitDir, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    expect(await codeOf(exportRun({ run: fitDir, out: join(fitDir, 'x.onnx'), calibrationFrom: junk, backend: 'cpu' }))).toBe('MODEL_INVALID');
    expect(await codeOf(exportRun({ run: fitDir, out: join(fitDir, 'x.onnx'), calibrationFrom: join(fitDir, 'absent.onnx'), backend: 'cpu' }))).toBe('NOT_FOUND');
  });

  it('--tta: the file embeds through the shifted views, calibrated, measured and reported through them', async () => {
    const out = join(runDir, '..', 'models', 'tengwar-tta.onnx');
    // No report.tta.json yet: report.json (single views) does not describe this file.
    expect(await runExportCommand([runDir, '--out', out, '--tta', '--pairs', '500', '--episodes', '50', '--backend', 'cpu'], log)).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    const m = readModelMetadata(bytes);
    expect(m.training?.views).toEqual(TTA_SHIFTS);
    expect(m.evaluation).not.toHaveProperty('random_5way_1shot');
    expect(logs.some((l) => l.includes('no report.tta.json') && l.includes('--tta'))).toBe(true);
    const n = 3;
    const x = Float32Array.from(uniform(n * 28 * 28, rng(6), 0, 1), (v) => (v < 0.8 ? 0 : v));
    const views = shiftViewsFor(m.preprocess, 1);
    const want = await withShiftViews(async (images, k) => predictTf(model, images, k), views, { height: 28, width: 28, channels: 1 }, true)(x, n);
    const ort = await runOrtNode(bytes, nhwcToNchw(x, n, 28, 28, 1), [n, 1, 28, 28]);
    expect(maxAbsDiff(want, ort.output)).toBeLessThan(1e-4);

    // eval --tta writes its own report, which a --tta export then carries.
    const evaluated = await evaluateRun(runDir, { split: 'validation', views: TTA_SHIFTS, episodes: 50, verificationPairs: 200, backend: 'cpu' });
    expect(evaluated.files.json.endsWith('report.validation.tta.json')).toBe(true);
    expect(evaluated.training.views).toEqual(TTA_SHIFTS);
    writeFileSync(join(runDir, 'report.tta.json'), JSON.stringify({ testSet: 'validation split of Tengwar', checkpoint: { tag: 'best', step: 10 }, training: { views: TTA_SHIFTS }, figures: { random_5way_1shot: 0.66 } }));
    const withFigures = await exportRun({ run: runDir, out, views: TTA_SHIFTS, pairs: 500, episodes: 50, backend: 'cpu' });
    expect(withFigures.metadata.evaluation).toMatchObject({ random_5way_1shot: 0.66 });

    // A calibration carries over only between files that embed the same way.
    const fitDir = join(runDir, '..', 'final-fit-tta');
    const fitOptions: DataOptions = { data: join(FIXTURE_DIR, 'Tengwar'), inputSize: 28, channels: 1, seed: 3, valFraction: 0, cacheDir: join(runDir, '..', 'cache') };
    writeRun(fitDir, 'last', { step: 20, net, loss: { kind: 'proto' }, data: fitOptions, weights: weightsOf(model) });
    const plain = join(runDir, '..', 'models', 'tengwar-test.onnx'); // the first test's export, single views
    const refused = await exportRun({ run: fitDir, out: join(fitDir, 'x.onnx'), views: TTA_SHIFTS, calibrationFrom: plain, backend: 'cpu' }).catch((e: unknown) => e);
    expect(isSiameseError(refused) && refused.code).toBe('INVALID_ARGUMENT');
    expect(String((refused as Error).message)).toMatch(/its embeddings are single views, this export's the mean over 5 shifted views/);
    expect(await codeOf(exportRun({ run: fitDir, out: join(fitDir, 'y.onnx'), calibrationFrom: out, backend: 'cpu' }))).toBe('INVALID_ARGUMENT');
    const transferred = await exportRun({ run: fitDir, out: join(fitDir, 'fit-tta.onnx'), views: TTA_SHIFTS, calibrationFrom: out, backend: 'cpu' });
    expect(transferred.metadata.calibration.threshold).toBe(withFigures.metadata.calibration.threshold);
    expect(transferred.metadata.training?.views).toEqual(TTA_SHIFTS);
  }, 240_000);

  it("leaves out a report's figures when the report is of another checkpoint", async () => {
    // A report of step 7 (e.g. written before a resume) does not describe the step-10 checkpoint being exported.
    const other = join(runDir, '..', 'other-report-run');
    cpSync(runDir, other, { recursive: true });
    writeFileSync(join(other, 'report.json'), JSON.stringify({ testSet: 'x', checkpoint: { tag: 'best', step: 7 }, figures: { random_5way_1shot: 0.99 } }));
    const before = logs.length;
    const result = await exportRun({ run: other, out: join(other, 'm.onnx'), pairs: 200, episodes: 50, backend: 'cpu', onLog: log });
    expect(result.metadata.evaluation).not.toHaveProperty('random_5way_1shot');
    expect(logs.slice(before).some((l) => /report\.json .* is for the best checkpoint at step 7, not this best checkpoint at step 10/.test(l))).toBe(true);
  });

  it('refuses bad arguments and missing runs with typed errors', async () => {
    // An --out that cannot be written is refused before any embedding or calibration.
    writeFileSync(join(runDir, '..', 'a-file'), 'x');
    const started = performance.now();
    expect(await codeOf(runExportCommand([runDir, '--out', join(runDir, '..', 'a-file', 'sub', 'm.onnx'), '--backend', 'cpu'], log))).toBe('INVALID_ARGUMENT');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await codeOf(runExportCommand([runDir], log))).toBe('INVALID_ARGUMENT'); // no --out
    expect(await codeOf(runExportCommand([runDir, '--out', 'x.onnx', '--dtype', 'int4'], log))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(runExportCommand([runDir, '--out', 'x.onnx', '--bogus'], log))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(runExportCommand([runDir, '--out', 'x.txt'], log))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(runExportCommand([join(runDir, 'nope'), '--out', 'x.onnx'], log))).toBe('NOT_FOUND');
    const empty = join(runDir, '..', 'empty-run');
    mkdirSync(empty, { recursive: true });
    expect(await codeOf(runExportCommand([empty, '--out', join(empty, 'x.onnx'), '--backend', 'cpu'], log))).toBe('CHECKPOINT_INVALID');
  });
});
