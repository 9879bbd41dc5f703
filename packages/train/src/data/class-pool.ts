/**
 * A ClassPool is the view samplers draw from: some classes of an ImageSet, each with its image indices and an
 * optional rotation (Omniglot's rotated copies are new classes that share pixels with the original, rotated when
 * a batch is assembled). Train and validation pools over one set never share a class.
 */
import { imageLength, imagesByClass, type ImageSet } from './image-set.js';

export type QuarterTurns = 0 | 1 | 2 | 3;

export interface PoolClass {
  /** Unique within the pool, e.g. "Greek/character07" or "Greek/character07@rot90". */
  name: string;
  group: string;
  /** Indices into the set's images. */
  images: number[];
  /** Counter-clockwise quarter turns applied when the class's images are copied into a batch. */
  rotation: QuarterTurns;
}

export interface ClassPool {
  set: ImageSet;
  classes: PoolClass[];
}

/** A pool of the given set classes (all when omitted), unrotated. */
export function poolFromSet(set: ImageSet, classIds?: number[]): ClassPool {
  const byClass = imagesByClass(set);
  const ids = classIds ?? set.classes.map((_, i) => i);
  return { set, classes: ids.map((id) => ({ name: set.classes[id].name, group: set.classes[id].group, images: byClass[id], rotation: 0 })) };
}

export function poolImageCount(pool: ClassPool): number {
  return pool.classes.reduce((s, c) => s + c.images.length, 0);
}

/**
 * Copies one image into `out` at `offset` floats, rotated by `turns` quarter turns (counter-clockwise). Rotating a
 * square H×W×C image is an index permutation, so it is exact.
 */
export function copyImage(set: ImageSet, index: number, turns: QuarterTurns, out: Float32Array, offset: number): void {
  const size = imageLength(set);
  const src = set.pixels.subarray(index * size, (index + 1) * size);
  if (turns === 0) {
    out.set(src, offset);
    return;
  }
  const { width: W, height: H, channels: C } = set.input;
  if (W !== H) throw new RangeError('rotations need square images');
  const n = W;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      // Destination (y, x) reads source (sy, sx) of the inverse rotation.
      let sy: number, sx: number;
      if (turns === 1) { sy = x; sx = n - 1 - y; }
      else if (turns === 2) { sy = n - 1 - y; sx = n - 1 - x; }
      else { sy = n - 1 - x; sx = y; }
      const d = offset + (y * n + x) * C;
      const s = (sy * n + sx) * C;
      for (let c = 0; c < C; c++) out[d + c] = src[s + c];
    }
  }
}

export interface PoolImages {
  /** n × H × W × C floats. */
  images: Float32Array;
  /** Pool class index per image. */
  labels: Int32Array;
  /** Drawer per image (-1 unknown). */
  drawers: Int16Array;
  n: number;
}

/**
 * Every image of a pool, materialised (rotations applied), with pool-class labels. This is what evaluation and
 * threshold calibration embed: e.g. `poolImages(split.val)` is the validation split's images.
 */
export function poolImages(pool: ClassPool, maxPerClass = Infinity): PoolImages {
  const size = imageLength(pool.set);
  const n = pool.classes.reduce((s, c) => s + Math.min(c.images.length, maxPerClass), 0);
  const images = new Float32Array(n * size);
  const labels = new Int32Array(n);
  const drawers = new Int16Array(n);
  let k = 0;
  pool.classes.forEach((c, ci) => {
    for (const index of c.images.slice(0, maxPerClass)) {
      copyImage(pool.set, index, c.rotation, images, k * size);
      labels[k] = ci;
      drawers[k] = pool.set.drawers[index];
      k++;
    }
  });
  return { images, labels, drawers, n };
}

/**
 * At most `count` of a pool's classes, evenly spread over its order (all of them when it has no more) — e.g. a
 * sample of classes that covers every alphabet rather than the first few.
 */
export function spreadClasses(pool: ClassPool, count: number): ClassPool {
  if (pool.classes.length <= count) return pool;
  const step = pool.classes.length / count;
  return { set: pool.set, classes: Array.from({ length: count }, (_, i) => pool.classes[Math.floor(i * step)]!) };
}
