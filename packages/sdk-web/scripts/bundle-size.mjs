// The size of OUR JavaScript in dist/ — minified, without onnxruntime-web, its .wasm files or the model — and the goal
// it is held to. The goal applies to the ENTRY: what `import '@siamese-sdk/web'` loads, i.e. index.js and every chunk
// it imports statically (transitively). Chunks reached only through a dynamic import() (the approximate index) load
// on first use and are reported on their own. after-build.mjs prints it; test/bundle-size.test.ts enforces it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** The goal: 60 kB (KiB) of our minified JavaScript loaded on import. */
export const BUNDLE_GOAL_BYTES = 60 * 1024;

/** Static `import … from "./x.js"`, `import "./x.js"` and `export … from "./x.js"` (not `import("./x.js")`). */
const STATIC_IMPORT = /\b(?:import|export)\s*(?:[^"'`();]*?\bfrom\s*)?["'](\.\/[^"']+\.js)["']/g;

/**
 * @typedef {{ file: string, bytes: number, gzip: number }} FileSize
 * @param {string} dist
 * @returns {{ entry: { files: string[], bytes: number, gzip: number }, lazy: FileSize[] }} entry: index.js and its
 *   static imports; lazy: every other .js file of dist/ (chunks loaded by a dynamic import()), by name.
 */
export function measureBundle(dist) {
  /** @type {(file: string) => FileSize & { code: string }} */
  const read = (file) => {
    const content = readFileSync(path.join(dist, file));
    return { file, bytes: content.length, gzip: gzipSync(content).length, code: content.toString('utf8') };
  };
  const entry = { files: /** @type {string[]} */ ([]), bytes: 0, gzip: 0 };
  const pending = ['index.js'];
  while (pending.length > 0) {
    const file = /** @type {string} */ (pending.pop());
    if (entry.files.includes(file)) continue;
    const { bytes, gzip, code } = read(file);
    entry.files.push(file);
    entry.bytes += bytes;
    entry.gzip += gzip;
    for (const [, specifier] of code.matchAll(STATIC_IMPORT)) pending.push(path.posix.normalize(specifier));
  }
  entry.files.sort((a, b) => (a === 'index.js' ? -1 : b === 'index.js' ? 1 : a.localeCompare(b)));
  const lazy = readdirSync(dist)
    .filter((f) => f.endsWith('.js') && !entry.files.includes(f))
    .sort()
    .map((f) => {
      const { file, bytes, gzip } = read(f);
      return { file, bytes, gzip };
    });
  return { entry, lazy };
}

/** @param {number} n bytes @returns {string} kB with one decimal, as the build prints it */
export const kB = (n) => (n / 1024).toFixed(1);
