// The size of OUR JavaScript in dist/ — every .js file the build wrote, minified, without onnxruntime-web, its .wasm
// files or the model — and the goal it is held to. after-build.mjs prints it; test/bundle-size.test.ts enforces it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** The goal: 60 kB (KiB) of our minified JavaScript. */
export const BUNDLE_GOAL_BYTES = 60 * 1024;

/** @param {string} dist @returns {{ files: string[], bytes: number, gzip: number }} */
export function measureBundle(dist) {
  const files = readdirSync(dist).filter((f) => f.endsWith('.js')).sort();
  let bytes = 0;
  let gzip = 0;
  for (const name of files) {
    const content = readFileSync(path.join(dist, name));
    bytes += content.length;
    gzip += gzipSync(content).length;
  }
  return { files, bytes, gzip };
}

/** @param {number} n bytes @returns {string} kB with one decimal, as the build prints it */
export const kB = (n) => (n / 1024).toFixed(1);
