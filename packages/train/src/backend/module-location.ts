/**
 * Where the running module lives, in both builds: tsup emits ESM (import.meta.url) and CJS (__filename, where
 * esbuild leaves import.meta empty), and vitest runs the TypeScript sources directly.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export function currentModuleFile(): string {
  if (typeof __filename === 'string' && __filename.length > 0) return __filename;
  const url = (import.meta as { url?: string }).url;
  if (typeof url === 'string') return fileURLToPath(url);
  return process.cwd() + '/index.js';
}

/** A `require` that resolves packages from this package's node_modules, whichever build is running. */
export function packageRequire(): NodeRequire {
  return createRequire(currentModuleFile());
}
