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
  // onnxruntime-web stays external: a bundler resolves it (and emits its .wasm), a plain <script type="module">
  // maps it with an import map. The runtime-free core is bundled in, so only one specifier needs mapping.
  external: ['onnxruntime-web'],
  noExternal: ['@siamese-sdk/core'],
  onSuccess: 'node scripts/after-build.mjs',
});
