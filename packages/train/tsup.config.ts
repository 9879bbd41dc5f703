import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the library; cli: the `siamese-train` binary; stepper-worker: the data-parallel worker thread entry,
  // loaded by path at run time, so it must exist as its own file in dist/; export-command: `siamese-train export`,
  // which cli/main.ts imports by path at run time (./export-command.js next to cli.js).
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', 'stepper-worker': 'src/train/stepper-worker.ts', 'export-command': 'src/cli/export-command.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: ['@tensorflow/tfjs-node'],
});
