/** The built package as users load it: ESM and CJS entry points, the bin, the worker and the bundled-model path. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleQuery, untrainedModelPath } from './helpers.js';

const pkgDir = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: pkgDir, encoding: 'utf8', timeout: 60_000 });
}

describe.runIf(existsSync(untrainedModelPath))('built package', () => {
  it('ESM and CJS builds both resolve the bundled model inside the package and embed from files (pool and inline)', () => {
    const esm = node([
      '--input-type=module',
      '-e',
      `import { bundledModelPath, loadModel } from './dist/index.js';
       const m = await loadModel(${JSON.stringify(untrainedModelPath)});
       const e = await m.embed(Array(6).fill(${JSON.stringify(exampleQuery(1))}));
       const single = await m.embed(${JSON.stringify(exampleQuery(1))});
       console.log(JSON.stringify({ path: bundledModelPath(), n: e.length, first: e[0][0], single: single[0] }));
       await m.dispose();`,
    ]);
    const cjs = node([
      '-e',
      `const { bundledModelPath, loadModel } = require('./dist/index.cjs');
       (async () => {
         const m = await loadModel(${JSON.stringify(untrainedModelPath)});
         const e = await m.embed(Array(6).fill(${JSON.stringify(exampleQuery(1))}));
         const single = await m.embed(${JSON.stringify(exampleQuery(1))});
         console.log(JSON.stringify({ path: bundledModelPath(), n: e.length, first: e[0][0], single: single[0] }));
         await m.dispose();
       })();`,
    ]);
    const a = JSON.parse(esm), b = JSON.parse(cjs);
    expect(a.path).toBe(join(pkgDir, 'models', 'omniglot-conv4.onnx'));
    expect(b).toEqual(a);
    expect(a.single).toBe(a.first); // inline decoding (one image) = worker-pool decoding (a batch)
  });

  it('ships what package.json points at', () => {
    for (const file of [pkg.main, pkg.module, pkg.types, pkg.bin.siamese, pkg.exports['.'].require.types, 'dist/decode-worker.js']) {
      expect(existsSync(join(pkgDir, file)), file).toBe(true);
    }
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'models']));
    expect(readFileSync(join(pkgDir, pkg.bin.siamese), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });
});
