/**
 * The size goal of the web bundle: what `import '@siamese-sdk/web'` loads — dist/index.js and the chunks it imports
 * statically; our minified JavaScript, without onnxruntime-web, its .wasm files or the model — stays within 60 kB,
 * measured as the build prints it (scripts/bundle-size.mjs). The approximate index is a chunk loaded on first use:
 * it must stay out of the entry, or the figure would only look right.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PKG_DIR } from '../e2e/site.mjs';
import { BUNDLE_GOAL_BYTES, kB, measureBundle } from '../scripts/bundle-size.mjs';

const dist = path.join(PKG_DIR, 'dist');

describe('@siamese-sdk/web bundle size', () => {
  it(`the JavaScript loaded on import is at most ${kB(BUNDLE_GOAL_BYTES)} kB; the approximate index is a lazy chunk`, () => {
    if (!existsSync(path.join(dist, 'index.js'))) throw new Error('packages/sdk-web/dist/index.js is missing: run `pnpm -C packages/sdk-web build` first');
    const { entry, lazy } = measureBundle(dist);
    expect(entry.files[0]).toBe('index.js');
    expect(entry.bytes, `${entry.files.join(' + ')}: ${kB(entry.bytes)} kB, goal ≤ ${kB(BUNDLE_GOAL_BYTES)} kB`).toBeLessThanOrEqual(BUNDLE_GOAL_BYTES);

    // The approximate index's WebAssembly kernels (shipped as base64 by core's simd-dot-kernel.ts) are in a lazy
    // chunk, not the entry.
    const kernelSource = readFileSync(path.join(PKG_DIR, '../core/src/simd-dot-kernel.ts'), 'utf8');
    const marker = /DOT_KERNELS_WASM =\s*'([^']{32,})'/.exec(kernelSource)?.[1];
    if (!marker) throw new Error('DOT_KERNELS_WASM not found in core/src/simd-dot-kernel.ts');
    const holds = (file: string): boolean => readFileSync(path.join(dist, file), 'utf8').includes(marker);
    expect(entry.files.filter(holds)).toEqual([]);
    const approximate = lazy.filter(({ file }) => holds(file));
    expect(approximate.map(({ file }) => file)).toEqual([expect.stringMatching(/^approximate-index-chunk-[\w-]+\.js$/)]);
    // ... and the entry imports it only dynamically, by a relative URL (no import-map entry needed).
    expect(readFileSync(path.join(dist, 'index.js'), 'utf8')).toContain(`import("./${approximate[0].file}")`);
  });
});
