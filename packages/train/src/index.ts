/**
 * @siamese-sdk/train — train siamese image-embedding networks on TensorFlow.js.
 * Data flows: dataset (data/) → sampler (sampling/, augment/) → stepper (model/, losses/, backend/) → trainer
 * (train/) → checkpoints (checkpoint/) → evaluation (eval/) → ONNX export (export/).
 */
// Datasets
export * from './data/image-set.js';
export { ZipArchive, type ZipEntry } from './data/zip-reader.js';
export { decodePng, isPng } from './data/png-decoder.js';
export { decodeImageBytes, decodeWithJimp } from './data/decode-image.js';
export { buildImageSet, type ImageSource, type BuildProgress } from './data/build-image-set.js';
export { defaultCacheDir, loadWithCache, readImageSetCache, writeImageSetCache, type CachedLoadOptions } from './data/cache.js';
export { downloadFile, type DownloadOptions, type DownloadProgress } from './data/download.js';
export { loadOmniglot, OMNIGLOT_COUNTS, OMNIGLOT_URL_BASE, type OmniglotOptions, type OmniglotSet, type LoadedDataset } from './data/omniglot.js';
export { loadFolderDataset, IMAGE_EXTENSIONS, type FolderDatasetOptions } from './data/folder-dataset.js';
export { poolFromSet, poolImages, poolImageCount, copyImage, spreadClasses, type ClassPool, type PoolClass, type PoolImages, type QuarterTurns } from './data/class-pool.js';
export { splitTrainVal, restrictToGroups, type DataSplit, type SplitOptions } from './data/split.js';
export { prepareData, dataTarget, type DataOptions, type PreparedData } from './data/prepare.js';
// Augmentation and sampling
export { KOCH_AFFINE, randomAffine, warpAffine, augmentBatch, backgroundValues, type Affine, type AffineOptions } from './augment/affine.js';
export { withQuarterTurnClasses } from './augment/rotations.js';
export { Rng, type RngState } from './sampling/rng.js';
export type { SampledImage } from './sampling/sampled-image.js';
export { samplePairs, type PairBatch } from './sampling/pairs.js';
export { sampleTriplets } from './sampling/triplets.js';
export { samplePK } from './sampling/pk-batch.js';
export { sampleEpisode, eligibleGroups, type Episode, type EpisodeClass, type EpisodeOptions } from './sampling/episodes.js';
export { assembleBatch, type AssembleOptions } from './sampling/assemble.js';
// Compute: backend, network, losses, stepper
export * from './backend/index.js';
export * from './model/index.js';
export * from './losses/index.js';
export type * from './train/stepper.js';
export { createTrainStepper } from './train/create-stepper.js';
// Training loop
export { train, validateTrainerConfig, checkpointDir, DEFAULT_TRAINER_CONFIG, type TrainerConfig, type Convolutions, type TrainData, type TrainOptions, type TrainProgress, type TrainResult } from './train/trainer.js';
export { learningRate, parseSchedule, SCHEDULE_KINDS, type LrSchedule } from './train/lr-schedule.js';
export { BatchSource, type BatchSourceOptions, type SamplerKind } from './train/batch-source.js';
export { MetricsLog, readMetrics, type Metric, type TrainMetric, type ValMetric } from './train/metrics-log.js';
export { trainingCurveSvg } from './train/training-curve.js';
// Checkpoints
export * from './checkpoint/checkpoint.js';
export { loadRun, loadRunModel, runCheckpointDir, type LoadedRun, type LoadRunOptions } from './checkpoint/load-run.js';
// Evaluation
export { meanWithCi95 } from './eval/confidence.js';
export { fewShotAccuracy, episodeAccuracy, type FewShotMethod, type FewShotOptions, type FewShotResult } from './eval/few-shot.js';
export { verificationMetrics, verificationPairs, type VerificationResult } from './eval/verification.js';
export { embedPool, evaluateEmbedded, taskName, verificationSeed, DEFAULT_EVALUATION_SEED, REPORT_TASKS, type EmbedFn, type EmbeddedPool, type EvaluationOptions, type EvaluationReport, type FewShotTask } from './eval/evaluate.js';
export { reportFigures, reportMarkdown, writeRunReport, type RunReport } from './eval/report.js';
export { evaluateRun, runReportName, type EvaluateRunOptions } from './eval/evaluate-run.js';
export { TTA_SHIFTS, backgroundFill, shiftViewsFor, checkShiftViews, shiftImages, withShiftViews, runThroughViews, type PixelShift, type ShiftViews, type ImageInputShape, type ViewableRun } from './eval/shift-views.js';
// ONNX export
export * from './export/index.js';
