import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the library; cli: the `siamese` binary; decode-worker: the worker_threads entry, loaded by path at run
  // time, so it must exist as its own file in dist/.
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', 'decode-worker': 'src/decode-worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CJS build (module-relative paths to the bundled model and the worker).
  shims: true,
});
