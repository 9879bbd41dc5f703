/**
 * Data options (as the CLI and checkpoints record them) → the training data: load and cache the dataset, hold out
 * validation classes, optionally restrict training to some groups and add Omniglot's rotated classes, and say
 * which images the final report is measured on (Omniglot: the evaluation set; other datasets: the validation
 * split, since they have no separate test set).
 */
import { SiameseError, type PreprocessTarget } from '@siamese-sdk/core';
import { withQuarterTurnClasses } from '../augment/rotations.js';
import type { TrainData } from '../train/trainer.js';
import type { BuildProgress } from './build-image-set.js';
import { poolFromSet, type ClassPool } from './class-pool.js';
import type { DownloadProgress } from './download.js';
import { loadFolderDataset } from './folder-dataset.js';
import { OMNIGLOT_PREPROCESS, defaultFolderTarget, type ImageSet } from './image-set.js';
import { loadOmniglot, type LoadedDataset } from './omniglot.js';
import { restrictToGroups, splitTrainVal, type DataSplit } from './split.js';

export interface DataOptions {
  /** 'omniglot' or a folder-per-class directory. */
  data: string;
  omniglotDir?: string;
  download?: boolean;
  cacheDir?: string;
  /** Input side in pixels (default 28). */
  inputSize?: number;
  /** Folder datasets: 1 = grayscale, 3 = RGB (default 3). Omniglot is always 1. */
  channels?: 1 | 3;
  seed?: number;
  valFraction?: number;
  /** Hold out exactly these groups (Omniglot alphabets) for validation. */
  valGroups?: string[];
  /** Train on these groups only (after the split), e.g. a few alphabets for a quick run. */
  trainGroups?: string[];
  /** Omniglot: rotations by 90/180/270° as new training classes. */
  rotations?: boolean;
  /**
   * How images become the network's input (resize, background, inversion, normalisation). Default: Omniglot's
   * for 'omniglot', bilinear [0, 1] scaling for folders. A run started from another (`--init-from`) takes that
   * run's, so its weights see inputs like the ones they were trained on.
   */
  preprocess?: PreprocessTarget['preprocess'];
}

export interface PreparedData extends TrainData {
  /** How the classes were split (as checkpoints record it; `assertSameSplit` compares a run's record with it). */
  split: DataSplit['description'];
  /** What the final report is measured on, and what it is called. */
  test: { pool: ClassPool; name: string };
  loaded: { seconds: number; cacheHit: boolean; images: number; skipped: ImageSet['skipped'] }[];
}

export interface PrepareCallbacks {
  onDownloadProgress?: (p: DownloadProgress) => void;
  onDecodeProgress?: (what: string, p: BuildProgress) => void;
}

export function dataTarget(options: DataOptions): PreprocessTarget {
  const size = options.inputSize ?? 28;
  const target: PreprocessTarget =
    options.data === 'omniglot' ? { input: { width: size, height: size, channels: 1 }, preprocess: { ...OMNIGLOT_PREPROCESS.preprocess } } : defaultFolderTarget(size, options.channels ?? 3);
  if (!options.preprocess) return target;
  // Another preprocessing (a run's, for --init-from) on this data's input.
  const { channels } = target.input;
  if (options.preprocess.mean.length !== channels || options.preprocess.std.length !== channels) {
    throw new SiameseError('INVALID_ARGUMENT', `the preprocessing normalises ${options.preprocess.mean.length} channel(s), the data has ${channels}`, { channels });
  }
  return { input: target.input, preprocess: { ...options.preprocess } };
}

export async function prepareData(options: DataOptions, callbacks: PrepareCallbacks = {}): Promise<PreparedData> {
  const target = dataTarget(options);
  const seed = options.seed ?? 1;
  const loaded: LoadedDataset[] = [];
  let trainSet: ImageSet;
  let testSet: ImageSet | undefined;
  if (options.data === 'omniglot') {
    const common = { dir: options.omniglotDir, download: options.download, cacheDir: options.cacheDir, target, onDownloadProgress: callbacks.onDownloadProgress };
    const background = await loadOmniglot('background', { ...common, onDecodeProgress: (p) => callbacks.onDecodeProgress?.('omniglot background', p) });
    const evaluation = await loadOmniglot('evaluation', { ...common, onDecodeProgress: (p) => callbacks.onDecodeProgress?.('omniglot evaluation', p) });
    loaded.push(background, evaluation);
    trainSet = background.set;
    testSet = evaluation.set;
  } else {
    const folder = await loadFolderDataset(options.data, { cacheDir: options.cacheDir, target, onDecodeProgress: (p) => callbacks.onDecodeProgress?.(options.data, p) });
    loaded.push(folder);
    trainSet = folder.set;
  }
  const split = splitTrainVal(trainSet, { seed, valFraction: options.valFraction, valGroups: options.valGroups });
  let train = split.train;
  if (options.trainGroups?.length) train = restrictToGroups(train, options.trainGroups);
  if (options.rotations) train = withQuarterTurnClasses(train);
  return {
    train,
    val: split.val,
    preprocess: target,
    split: split.description,
    test: testSet
      ? { pool: poolFromSet(testSet), name: 'Omniglot evaluation set (20 alphabets, 659 characters)' }
      : { pool: split.val, name: split.val.classes.length ? `validation split of ${options.data} (no separate test set)` : `none: ${options.data} has no separate test set and nothing was held out` },
    description: { options: { ...options }, source: trainSet.source, split: split.description, trainClasses: train.classes.length },
    loaded: loaded.map((l) => ({ seconds: l.seconds, cacheHit: l.cacheHit, images: l.set.n, skipped: l.set.skipped })),
  };
}
