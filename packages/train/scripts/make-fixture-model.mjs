#!/usr/bin/env node
// Regenerates fixtures/models/conv4-untrained.onnx: the seeded, untrained Conv-4 fixture (see
// test/export/fixture-model.ts). It runs the fixture test with UPDATE_FIXTURES=1, which writes the file and then
// checks it in onnxruntime-node and onnxruntime-web.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync('npx', ['vitest', 'run', 'test/export/fixture-model.test.ts'], {
  cwd: packageDir,
  env: { ...process.env, UPDATE_FIXTURES: '1' },
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
