/**
 * Locating files shipped with the package (the bundled model, the decode worker) relative to this module, the same
 * way from the ESM build, the CJS build (tsup shims `import.meta.url`) and the TypeScript sources under test.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_MODEL_FILES, type BundledDType } from '@siamese-sdk/core';

/** The directory of the running module: dist/ when installed, src/ under vitest. */
export function moduleDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** The package root (dist/ and src/ both sit directly below it). */
export function packageRoot(): string {
  return join(moduleDir(), '..');
}

/** The fp32 default model, copied into the package's models/ folder at build time (with its other variants). */
export const BUNDLED_MODEL_FILE = BUNDLED_MODEL_FILES.fp32;

export function bundledModelPath(dtype: BundledDType = 'fp32'): string {
  return join(packageRoot(), 'models', BUNDLED_MODEL_FILES[dtype]);
}

/**
 * The built decode worker. Under vitest the sources run from src/, where no JavaScript worker exists, so the
 * built one in dist/ is used; without either, decoding stays on the calling thread.
 */
export function decodeWorkerPath(): string | undefined {
  for (const candidate of [join(moduleDir(), 'decode-worker.js'), join(packageRoot(), 'dist', 'decode-worker.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
