/**
 * An ImageSet is a whole dataset decoded and preprocessed once: every image as model-ready floats (H×W×C, the
 * layout TensorFlow.js trains on), plus its class and, where the dataset has them, its group (Omniglot: the
 * alphabet) and drawer. Samplers never touch files; they copy pixels out of `pixels`.
 */
import type { InputSpec, PreprocessSpec } from '@siamese-sdk/core';
import type { PreprocessTarget } from '@siamese-sdk/core';

export interface ClassInfo {
  /** Unique class name, e.g. "Greek/character07" or a folder name. */
  name: string;
  /** Group the class belongs to (Omniglot alphabet); '' when the dataset has none. */
  group: string;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface ImageSet {
  /** Where it came from, e.g. "omniglot:background" or the folder path. */
  source: string;
  input: Pick<InputSpec, 'width' | 'height' | 'channels'>;
  preprocess: PreprocessSpec;
  n: number;
  /** n × height × width × channels float32, HWC per image. */
  pixels: Float32Array;
  /** Class index (into `classes`) per image. */
  labels: Int32Array;
  /** Drawer / instance id per image (Omniglot 1–20); -1 when unknown. */
  drawers: Int16Array;
  /** File (or zip entry) per image, for messages. */
  files: string[];
  classes: ClassInfo[];
  /** Unreadable images and classes left out, with reasons (shown as warnings by the CLI). */
  skipped: SkippedFile[];
}

/** Floats per image. */
export function imageLength(set: Pick<ImageSet, 'input'>): number {
  return set.input.width * set.input.height * set.input.channels;
}

/** Image indices of every class, in dataset order. */
export function imagesByClass(set: ImageSet): number[][] {
  const out: number[][] = set.classes.map(() => []);
  for (let i = 0; i < set.n; i++) out[set.labels[i]].push(i);
  return out;
}

export function preprocessTarget(set: Pick<ImageSet, 'input' | 'preprocess'>): PreprocessTarget {
  return { input: set.input, preprocess: set.preprocess };
}

/** Omniglot's default: 28×28 gray, area-downsampled, inverted so ink = 1 and paper = 0. */
export const OMNIGLOT_PREPROCESS: PreprocessTarget = {
  input: { width: 28, height: 28, channels: 1 },
  preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] },
};

/** A default for arbitrary photo-like folders: RGB, bilinear, no inversion, [0, 1] scaling. */
export function defaultFolderTarget(size = 28, channels: 1 | 3 = 3): PreprocessTarget {
  return {
    input: { width: size, height: size, channels },
    preprocess: { resize: 'bilinear', background: [255, 255, 255], invert: false, mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1) },
  };
}
