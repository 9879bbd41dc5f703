/**
 * The approximate index (core's approximate-index.ts and its kernels, ~10 kB minified) as its own chunk: only
 * approximate-index.ts imports it, with a dynamic import(), so a page downloads it on its first approximate search.
 */
export { ApproximateIndex } from '@siamese-sdk/core';
