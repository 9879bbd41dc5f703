/**
 * A training run → a self-describing ONNX file: load the run's checkpoint, embed the validation classes to fit the
 * calibration (threshold + Platt) on balanced validation pairs, copy the run's measured evaluation and training
 * facts, export, and for fp16/int8 measure the 5-way 1-shot validation accuracy of the stored file against fp32.
 *
 * A final fit (a run trained with no validation split, `--val-fraction 0`) has no unseen classes to calibrate on:
 * it takes its calibration from a model file of the same recipe that had them (`calibrationFrom`), its int8-qdq
 * activation ranges from training images, and has no dtype accuracy check.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { SiameseError, readModelMetadata, type CalibrationSpec, type ModelDType, type ModelMetadata, type PreprocessSpec } from '@siamese-sdk/core';
import { canonicalJson } from '../canonical-json.js';
import { loadRunModel, type LoadedRun } from '../checkpoint/load-run.js';
import type { CheckpointTag } from '../checkpoint/checkpoint.js';
import { assertFolderCanBeMade } from '../checkpoint/output-folder.js';
import { prepareData, type DataOptions } from '../data/prepare.js';
import { assertSameSplit } from '../data/split.js';
import { embedPool, type EmbeddedPool } from '../eval/evaluate.js';
import { runReportName } from '../eval/evaluate-run.js';
import { fewShotAccuracy } from '../eval/few-shot.js';
import { verificationPairs } from '../eval/verification.js';
import type { BackendPreference } from '../train/stepper.js';
import { calibrateDistances, splitPairDistances, type Calibration } from './calibrate.js';
import { exportActivationProbe, exportModelToOnnx, type ExportMetadataInput, type OnnxExport } from './export-model.js';
import { createOnnxEmbedder, measureActivationRanges } from './onnx-embedder.js';
import type { ActivationRanges } from './passes/quantize-qdq.js';
import { poolImages, spreadClasses } from '../data/class-pool.js';
import { blockWidths } from '../model/build-embedding-net.js';
import type { NetConfig } from '../model/net-config.js';
import { runThroughViews, type PixelShift, type ShiftViews } from '../eval/shift-views.js';
import { normalizeRowsInPlace } from '../model/l2-normalize.js';

export interface ExportRunOptions {
  /** A run folder, its checkpoints/ folder, or a checkpoint manifest (checkpoints/best.json). */
  run: string;
  /** Output .onnx path. */
  out: string;
  dtype?: ModelDType;
  /** Model name in the metadata (default: the output file name without .onnx). */
  name?: string;
  /** Checkpoint (default: best, else last). */
  tag?: CheckpointTag;
  /** Validation pairs for the calibration (default 10,000). */
  pairs?: number;
  /** Validation episodes for the accuracy check (default 1,000). */
  episodes?: number;
  /**
   * A .onnx model file whose calibration (threshold and Platt parameters) to copy instead of fitting one — for a
   * final fit, which has no validation classes: use the file exported from a run of the same recipe that held
   * classes out. Its embedding size and distance must match.
   */
  calibrationFrom?: string;
  /**
   * int8-qdq: images per class whose activations set the quantisation ranges (default 5; validation classes, or for
   * a final fit training classes; at most 1,000 images in all, from classes spread over the pool).
   */
  calibrationImagesPerClass?: number;
  opset?: number;
  /**
   * Test-time shifted views written into the graph (e.g. TTA_SHIFTS, the CLI's --tta): the file embeds each image
   * as the mean over them; calibration and accuracy figures are measured through the same views.
   */
  views?: readonly PixelShift[];
  backend?: BackendPreference;
  /** Overrides of the run's recorded data options (e.g. the Omniglot folder on this machine). */
  data?: Partial<DataOptions>;
  onLog?: (message: string) => void;
}

export interface DtypeCheck {
  /** 5-way 1-shot accuracy on validation classes, same episodes for both. */
  fp32: number;
  stored: number;
  /** stored − fp32, in accuracy points (percent). */
  changePoints: number;
  episodes: number;
}

/** A calibration copied from another model file (`calibrationFrom`): fitted on that model's validation pairs. */
export interface TransferredCalibration extends CalibrationSpec {
  /** The model file it was copied from, its name and sha256. */
  source: { file: string; name: string; sha256: string };
}

export interface ExportRunResult {
  file: string;
  bytes: number;
  sha256: string;
  metadata: ModelMetadata;
  calibration: Calibration | TransferredCalibration;
  /** Size of the fp32 export, for comparison. */
  fp32Bytes: number;
  /** For fp16/int8 (when onnxruntime-node is available): the accuracy change the weight storage causes. */
  dtypeCheck?: DtypeCheck;
  stats: OnnxExport['stats'];
}

const CALIBRATION_SEED = 4242;

/**
 * int8-qdq activation ranges are min/max over the images they are measured on, so more images only widen them (and
 * coarsen the 8-bit steps): they are taken from at most this many images, spread over the classes.
 */
const MAX_RANGE_IMAGES = 1000;

const EPISODE_SEED = 2024;

/** The calibration stored in another model file, checked to fit the run's model (same input, embedding size, distance). */
export function readTransferredCalibration(
  path: string,
  expected: { embeddingSize: number; input: { width: number; height: number; channels: number }; preprocess: PreprocessSpec; loss?: { kind?: unknown }; net?: NetConfig; views?: readonly PixelShift[] },
): TransferredCalibration {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new SiameseError('NOT_FOUND', `--calibration-from ${path}: no such model file`, { path });
  const bytes = new Uint8Array(readFileSync(file));
  let metadata: ModelMetadata;
  try {
    metadata = readModelMetadata(bytes);
  } catch (e) {
    // Keep the reader's own code (MODEL_INVALID, MODEL_METADATA, ...): only the message gains the flag.
    if (e instanceof SiameseError) throw new SiameseError(e.code, `--calibration-from ${path}: ${e.message}`, { path });
    throw new SiameseError('MODEL_INVALID', `--calibration-from ${path}: not a siamese-sdk model (${e instanceof Error ? e.message : String(e)})`, { path });
  }
  // Every exported calibration is of Euclidean distance between unit vectors (the exporter and the SDKs normalise
  // whether or not the network does), so only the distance kind must match.
  if (metadata.distance !== 'euclidean') {
    throw new SiameseError('INVALID_ARGUMENT', `--calibration-from ${path}: its calibration is for ${metadata.distance} distance; this exporter writes Euclidean distance`, { path });
  }
  const { width, height, channels } = metadata.input;
  const want = expected.input;
  if (width !== want.width || height !== want.height || channels !== want.channels) {
    throw new SiameseError('INVALID_ARGUMENT', `--calibration-from ${path}: it takes ${channels}×${height}×${width} inputs, this run ${want.channels}×${want.height}×${want.width}; a calibration only carries over between models of the same recipe`, { path });
  }
  if (metadata.output.size !== expected.embeddingSize) {
    throw new SiameseError('INVALID_ARGUMENT', `--calibration-from ${path}: its embeddings have ${metadata.output.size} dimensions, this run's ${expected.embeddingSize}; a calibration only carries over between models of the same recipe`, { path });
  }
  // A threshold is a distance on this recipe's embedding: other preprocessing or another loss moves every distance.
  if (canonicalJson(metadata.preprocess) !== canonicalJson(expected.preprocess)) {
    throw new SiameseError('INVALID_ARGUMENT', `--calibration-from ${path}: its preprocessing differs from this run's (${canonicalJson(metadata.preprocess)} against ${canonicalJson(expected.preprocess)}); a calibration only carries over between models of the same recipe`, { path });
  }
  const sourceLoss = (metadata.training?.loss as { kind?: unknown } | undefined)?.kind;
  if (sourceLoss !== undefined && expected.loss?.kind !== undefined && sourceLoss !== expected.loss.kind) {
    throw new SiameseError('INVALID_ARGUMENT', `--calibration-from ${path}: it was trained with the ${String(sourceLoss)} loss, this run with ${String(expected.loss.kind)}; a calibration only carries over between models of the same recipe`, { path });
  }
  // Another architecture with the same output size (e.g. other block widths) embeds differently.
  const sourceNet = metadata.training?.net as Partial<NetConfig> | undefined;
  if (sourceNet?.depth !== undefined && sourceNet.width !== undefined && expected.net !== undefined) {
    const source = blockWidths({ ...expected.net, width: sourceNet.width, depth: sourceNet.depth }).join('/');
    const wanted = blockWidths(expected.net).join('/');
    if (source !== wanted) {
      throw new SiameseError('INVALID_ARGUMENT', `--calibration-from ${path}: its network's blocks have ${source} filters, this run's ${wanted}; a calibration only carries over between models of the same recipe`, { path });
    }
    const [sourceStem, wantedStem] = [sourceNet.stemStride ?? 1, expected.net.stemStride ?? 1];
    if (sourceStem !== wantedStem) {
      throw new SiameseError('INVALID_ARGUMENT', `--calibration-from ${path}: its network's first block has stride ${sourceStem}, this run's ${wantedStem}; a calibration only carries over between models of the same recipe`, { path });
    }
  }
  // Averaging over shifted views pulls every distance in: a threshold fitted with other views does not carry over.
  const viewsOf = (shifts: unknown): string => (Array.isArray(shifts) ? `the mean over ${shifts.length} shifted views (${canonicalJson(shifts)})` : 'single views');
  if (!sameViews(metadata.training?.views, expected.views)) {
    throw new SiameseError('INVALID_ARGUMENT', `--calibration-from ${path}: its embeddings are ${viewsOf(metadata.training?.views)}, this export's ${viewsOf(expected.views)}; a calibration only carries over between models that embed the same way`, { path });
  }
  const { threshold, plattA, plattB, pairs } = metadata.calibration;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { threshold, plattA, plattB, ...(pairs !== undefined ? { pairs } : {}), source: { file: basename(file), name: metadata.name, sha256 } };
}

/** Whether views recorded in a file or report (absent: single views) are these shifts. */
function sameViews(recorded: unknown, shifts: readonly PixelShift[] | undefined): boolean {
  return canonicalJson(recorded ?? null) === canonicalJson(shifts ?? null);
}

/** Resolves a run argument to its folder and, for a manifest path, its tag. */
export function resolveRunArgument(path: string): { runDir: string; tag?: CheckpointTag } {
  const full = resolve(path);
  if (!existsSync(full)) throw new SiameseError('NOT_FOUND', `${path} does not exist (expected a training run folder)`, { path });
  const name = basename(full);
  if (statSync(full).isFile()) {
    const tag = name.replace(/\.json$/, '');
    if (basename(dirname(full)) !== 'checkpoints' || (tag !== 'best' && tag !== 'last')) {
      throw new SiameseError('INVALID_ARGUMENT', `${path} is not a checkpoint manifest (expected <run>/checkpoints/best.json or last.json)`, { path });
    }
    return { runDir: dirname(dirname(full)), tag };
  }
  if (name === 'checkpoints') return { runDir: dirname(full) };
  return { runDir: full };
}

/** Rows scaled to unit length: the SDKs compare L2-normalised embeddings, so calibration must too. */
function normalizeRows(e: EmbeddedPool): EmbeddedPool {
  return { ...e, embeddings: normalizeRowsInPlace(e.embeddings.slice(), e.dim) };
}

function calibrate(e: EmbeddedPool, pairs: number): Calibration {
  const usable = e.classes.filter((c) => c.members.length >= 2).length;
  if (usable < 2) throw new SiameseError('DATASET_INVALID', `calibration needs at least 2 validation classes with 2+ images; the validation split has ${usable}`);
  const { distances, same } = verificationPairs(e.embeddings, e.dim, e.classes, pairs, CALIBRATION_SEED);
  return calibrateDistances(splitPairDistances(distances, same));
}

function validationAccuracy(e: EmbeddedPool, episodes: number): number | undefined {
  if (e.classes.filter((c) => c.members.length >= 2).length < 5) return undefined;
  return fewShotAccuracy(e.embeddings, e.dim, e.classes, { way: 5, shot: 1, query: 1, episodes, seed: EPISODE_SEED }).accuracy;
}

/**
 * The run's final report figures (report.json `figures`), when `siamese-train eval` has written one for the
 * weights being exported. A report of another step (the best checkpoint's, when `--tag last` of a later step is
 * exported; an older step's, after a resume) does not describe this model, so its figures are not carried.
 */
function reportFigures(runDir: string, checkpoint: { tag: string; step: number }, views: ShiftViews | undefined, log: (m: string) => void): { figures: Record<string, number>; testSet?: string } | undefined {
  // A file with views is described by the evaluation through the same views (`siamese-train eval --tta`).
  const file = `${runReportName('test', views !== undefined)}.json`;
  const path = resolve(runDir, file);
  if (!existsSync(path)) {
    log(`no ${file} in ${runDir}: the model's metadata will carry no evaluation figures (\`siamese-train eval ${runDir}${views ? ' --tta' : ''}\` writes one where the run has held-out or test images)`);
    return undefined;
  }
  try {
    const report = JSON.parse(readFileSync(path, 'utf8')) as { figures?: Record<string, unknown>; testSet?: unknown; checkpoint?: { tag?: unknown; step?: unknown }; training?: { views?: unknown } };
    if (views && !sameViews(report.training?.views, views.shifts)) {
      log(`${file} in ${runDir} was measured through other views (${canonicalJson(report.training?.views ?? null)}): its figures are left out of the metadata`);
      return undefined;
    }
    // The step identifies the weights: best and last saved at the same step hold the same ones.
    if (report.checkpoint?.step !== checkpoint.step) {
      log(`${file} in ${runDir} is for the ${String(report.checkpoint?.tag)} checkpoint at step ${String(report.checkpoint?.step)}, not this ${checkpoint.tag} checkpoint at step ${checkpoint.step}: its figures are left out of the metadata (\`siamese-train eval ${runDir} --tag ${checkpoint.tag}${views ? ' --tta' : ''}\` measures this one)`);
      return undefined;
    }
    const figures: Record<string, number> = {};
    for (const [k, v] of Object.entries(report.figures ?? {})) if (typeof v === 'number' && Number.isFinite(v)) figures[k] = v;
    return { figures, testSet: typeof report.testSet === 'string' ? report.testSet : undefined };
  } catch {
    return undefined;
  }
}

function trainingFacts(run: LoadedRun, testSet: string | undefined, transferred: TransferredCalibration | undefined, views: ShiftViews | undefined): Record<string, unknown> {
  const m = run.manifest;
  const data = m.data as { options?: { data?: unknown } };
  // A folder dataset is named by its folder name only: a model file should not carry the trainer's local paths.
  const dataset = typeof data.options?.data === 'string' ? (data.options.data === 'omniglot' ? 'omniglot' : basename(data.options.data)) : undefined;
  return {
    ...(dataset ? { data: dataset } : {}),
    loss: m.loss,
    net: m.net,
    steps: m.step,
    checkpoint: run.tag,
    bestValidation: m.metrics.best,
    trainingSeconds: m.metrics.seconds,
    ...(testSet ? { evaluatedOn: testSet } : {}),
    ...(transferred ? { calibratedFrom: transferred.source } : {}),
    ...(views ? { views: views.shifts } : {}),
  };
}

async function embedWithFile(bytes: Uint8Array, run: LoadedRun, pool: Parameters<typeof embedPool>[1]): Promise<EmbeddedPool> {
  const embedder = await createOnnxEmbedder(bytes, run.manifest.preprocess.input);
  try {
    return await embedPool(embedder.embed, pool);
  } finally {
    await embedder.release();
  }
}

export async function exportRun(options: ExportRunOptions): Promise<ExportRunResult> {
  const log = options.onLog ?? (() => undefined);
  const dtype = options.dtype ?? 'fp32';
  const pairs = options.pairs ?? 10_000;
  const episodes = options.episodes ?? 1000;
  if (!options.out || !options.out.endsWith('.onnx')) throw new SiameseError('INVALID_ARGUMENT', `--out must name a .onnx file, got ${String(options.out)}`);
  if (!Number.isInteger(pairs) || pairs < 100) throw new SiameseError('INVALID_ARGUMENT', `pairs must be an integer ≥ 100, got ${pairs}`);
  if (options.calibrationFrom !== undefined && options.pairs !== undefined) {
    throw new SiameseError('INVALID_ARGUMENT', '--pairs sets how many validation pairs a calibration is fitted on; with --calibration-from nothing is fitted');
  }
  if (!Number.isInteger(episodes) || episodes < 1) throw new SiameseError('INVALID_ARGUMENT', `episodes must be a positive integer, got ${episodes}`);
  const { runDir, tag } = resolveRunArgument(options.run);
  assertFolderCanBeMade(dirname(resolve(options.out)), `--out ${options.out}`); // before minutes of embedding and calibration
  const name = options.name ?? basename(options.out).replace(/\.onnx$/, '');

  const run = await loadRunModel(runDir, { tag: options.tag ?? tag, backend: options.backend ?? 'auto' });
  try {
    log(`loaded ${run.tag} checkpoint of ${runDir} (step ${run.manifest.step})`);
    const input = run.manifest.preprocess.input;
    // The train side's embedding of what the file will compute: through the same views, when there are any.
    const { views, embed } = runThroughViews(run, options.views);
    if (views) log(`test-time views: each image embedded as the mean over ${views.shifts.length} shifted copies (${views.shifts.map(([dx, dy]) => `${dx},${dy}`).join(' ')})`);
    const recorded = (run.manifest.data as { options?: DataOptions }).options;
    if (!recorded) throw new SiameseError('CHECKPOINT_INVALID', `the checkpoint of ${runDir} does not record its data options; cannot find validation images to calibrate on`);
    // Checked before the dataset loads, so a wrong file costs no decoding.
    const transferred =
      options.calibrationFrom === undefined
        ? undefined
        : readTransferredCalibration(options.calibrationFrom, {
            embeddingSize: run.model.outputs[0]!.shape[1] as number,
            input,
            preprocess: run.manifest.preprocess.preprocess,
            loss: run.manifest.loss as { kind?: unknown },
            net: run.manifest.net,
            views: options.views,
          });
    const data = await prepareData({ ...recorded, ...options.data });
    assertSameSplit(run.manifest.data.split, data.split, runDir);
    const finalFit = data.val.classes.length === 0;
    if (finalFit && !transferred) {
      throw new SiameseError('INVALID_ARGUMENT', `${runDir} was trained without a validation split (a final fit), so there are no unseen classes to calibrate on: pass --calibration-from <model.onnx>, a model exported from a run of the same recipe that held classes out`, { run: runDir });
    }
    let fp32Embedded: EmbeddedPool | undefined;
    if (!finalFit) {
      log(`embedding ${data.val.classes.length} validation classes for ${transferred ? 'the accuracy check' : 'calibration'}`);
      fp32Embedded = normalizeRows(await embedPool(embed, data.val));
    }
    let calibration: Calibration | TransferredCalibration = transferred ?? calibrate(fp32Embedded as EmbeddedPool, pairs);
    if (transferred) log(`calibration copied from ${transferred.source.file} (${transferred.source.name}, sha256 ${transferred.source.sha256.slice(0, 12)}…)`);
    const report = reportFigures(runDir, { tag: run.tag, step: run.manifest.step }, views, log);
    const evaluation: Record<string, number> = { ...report?.figures };
    const fp32Accuracy = fp32Embedded && validationAccuracy(fp32Embedded, episodes);
    if (fp32Accuracy !== undefined) evaluation.validation_5way_1shot = fp32Accuracy;

    const metadataFor = (c: Calibration | TransferredCalibration, extra: Record<string, number> = {}): ExportMetadataInput => ({
      name,
      preprocess: run.manifest.preprocess.preprocess,
      calibration: { threshold: c.threshold, plattA: c.plattA, plattB: c.plattB, ...(c.pairs !== undefined ? { pairs: c.pairs } : {}) },
      distance: 'euclidean',
      training: trainingFacts(run, report?.testSet, transferred, views),
      // A copied calibration's accuracy was measured on another model: it is not this file's figure.
      evaluation: { ...evaluation, ...extra, ...('accuracy' in c ? { calibration_accuracy: c.accuracy, calibration_eer: c.eer } : {}) },
    });
    const fp32 = exportModelToOnnx(run.model, { metadata: metadataFor(calibration), opset: options.opset, views });
    let final = fp32;
    let dtypeCheck: DtypeCheck | undefined;
    let activationRanges: ActivationRanges | undefined;
    if (dtype === 'int8-qdq') {
      // Ranges of what the float file computes, on validation images (a final fit: training images) — never the
      // evaluation set.
      const perClass = Math.min(options.calibrationImagesPerClass ?? 5, MAX_RANGE_IMAGES);
      // A final fit's training pool also holds Omniglot's rotated copies of each class; inputs are upright, so the
      // ranges come from the upright classes.
      const upright = finalFit ? { ...data.train, classes: data.train.classes.filter((c) => c.rotation === 0) } : data.val;
      const rangePool = spreadClasses(upright, Math.floor(MAX_RANGE_IMAGES / perClass));
      const { images, n } = poolImages(rangePool, perClass);
      activationRanges = await measureActivationRanges(exportActivationProbe(run.model, { opset: options.opset, views }), input, images, n);
      log(`int8-qdq: activation ranges of ${activationRanges.size} values measured on ${n} ${finalFit ? 'training' : 'validation'} images`);
    }
    if (dtype !== 'fp32') {
      const stored = exportModelToOnnx(run.model, { metadata: metadataFor(calibration), dtype, opset: options.opset, activationRanges, views });
      final = stored;
      if (finalFit) log(`no validation classes: the ${dtype} file's accuracy change is not measured here (measure it on a test set, e.g. with siamese-sdk)`);
      else try {
        // Measure the stored file itself, and calibrate on what it computes.
        const storedEmbedded = normalizeRows(await embedWithFile(stored.bytes, run, data.val));
        if (!transferred) calibration = calibrate(storedEmbedded, pairs);
        const storedAccuracy = validationAccuracy(storedEmbedded, episodes);
        if (fp32Accuracy !== undefined && storedAccuracy !== undefined) {
          dtypeCheck = { fp32: fp32Accuracy, stored: storedAccuracy, changePoints: 100 * (storedAccuracy - fp32Accuracy), episodes };
          log(`5-way 1-shot validation accuracy: fp32 ${(100 * fp32Accuracy).toFixed(2)}%, ${dtype} ${(100 * storedAccuracy).toFixed(2)}% (${dtypeCheck.changePoints >= 0 ? '+' : ''}${dtypeCheck.changePoints.toFixed(2)} points, ${episodes} episodes)`);
        }
        const extra: Record<string, number> = storedAccuracy !== undefined ? { [`validation_5way_1shot_${dtype}`]: storedAccuracy } : {};
        final = exportModelToOnnx(run.model, { metadata: metadataFor(calibration, extra), dtype, opset: options.opset, activationRanges, views });
      } catch (e) {
        if (!(e instanceof SiameseError && e.code === 'BACKEND')) throw e;
        log(`${e.message}: the ${dtype} file's accuracy change is not measured${transferred ? '' : ' and it is calibrated on fp32 embeddings'}`);
      }
    }
    const file = resolve(options.out);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, final.bytes);
    const sha256 = createHash('sha256').update(final.bytes).digest('hex');
    return { file, bytes: final.bytes.length, sha256, metadata: final.metadata, calibration, fp32Bytes: fp32.bytes.length, dtypeCheck, stats: final.stats };
  } finally {
    await run.dispose();
  }
}
