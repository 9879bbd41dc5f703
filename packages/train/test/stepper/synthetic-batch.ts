/**
 * Small labelled image batches for stepper tests: each class is a fixed random stroke pattern plus per-image
 * noise, so there is something to learn and a falling loss is meaningful. Seeded.
 */
import type { ImageBatch } from '../../src/train/stepper.js';

function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** P classes × K images each, class-major order (a P×K batch), size×size×channels. */
export function syntheticBatch(p: number, k: number, size = 28, channels = 1, seed = 1): ImageBatch {
  const random = rng(seed);
  const pixels = size * size * channels;
  const prototypes = Array.from({ length: p }, () => Float32Array.from({ length: pixels }, () => (random() < 0.2 ? 1 : 0)));
  const n = p * k;
  const images = new Float32Array(n * pixels);
  const labels = new Int32Array(n);
  for (let c = 0; c < p; c++) {
    for (let j = 0; j < k; j++) {
      const i = c * k + j;
      labels[i] = 100 + c;
      for (let q = 0; q < pixels; q++) images[i * pixels + q] = random() < 0.1 ? 1 - prototypes[c][q] : prototypes[c][q];
    }
  }
  return { images, labels, n };
}
