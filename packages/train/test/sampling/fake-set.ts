import type { ImageSet } from '../../src/data/image-set.js';

/**
 * A tiny in-memory ImageSet whose pixel values encode identity (image i is filled with value i), so tests can
 * check exactly which images a sampler or assembler produced.
 */
export function numberedSet(classSizes: number[], groups?: string[], size = 4): ImageSet {
  const n = classSizes.reduce((a, b) => a + b, 0);
  const labels = new Int32Array(n);
  const drawers = new Int16Array(n);
  const pixels = new Float32Array(n * size * size);
  let k = 0;
  classSizes.forEach((count, c) => {
    for (let j = 0; j < count; j++) {
      labels[k] = c;
      drawers[k] = j + 1;
      pixels.fill(k, k * size * size, (k + 1) * size * size);
      k++;
    }
  });
  return {
    source: 'test',
    input: { width: size, height: size, channels: 1 },
    preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] },
    n,
    pixels,
    labels,
    drawers,
    files: Array.from({ length: n }, (_, i) => `img${i}`),
    classes: classSizes.map((_, c) => ({ name: `c${c}`, group: groups?.[c] ?? '' })),
    skipped: [],
  };
}
