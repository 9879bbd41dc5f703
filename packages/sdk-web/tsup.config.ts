import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  dts: true,
  clean: true,
  sourcemap: true,
  minify: true,
  // Code splitting: the approximate index (src/approximate-index-chunk.ts, imported with a dynamic import()) becomes
  // a chunk of its own next to index.js, fetched only by pages that search approximately. Its relative import needs
  // no import-map entry.
  splitting: true,
  // onnxruntime-web stays external: a bundler resolves it (and emits its .wasm), a plain <script type="module">
  // maps it with an import map. The runtime-free core is bundled in, so only one specifier needs mapping.
  external: ['onnxruntime-web'],
  noExternal: ['@siamese-sdk/core'],
  esbuildOptions(options) {
    // The core from its source modules, not its one-file dist: code splitting works per module, so only from
    // separate modules can the approximate index leave the entry for its own chunk.
    options.alias = { '@siamese-sdk/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) };
  },
  onSuccess: 'node scripts/after-build.mjs',
});
