// After tsup: copies the default model next to the bundle (when the lead has produced it) and reports the size of
// OUR JavaScript — minified, without onnxruntime-web, its .wasm files or the model: what loads on import against the
// 60 kB goal, and each chunk loaded later, on first use, on its own line.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_MODEL_FILES } from '@siamese-sdk/core';
import { BUNDLE_GOAL_BYTES, kB, measureBundle } from './bundle-size.mjs';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(pkg, 'dist');
// SIAMESE_WEB_DEFAULT_MODEL: another file to ship as the default (to exercise the default-model path before the trained one exists).
const model = process.env.SIAMESE_WEB_DEFAULT_MODEL ?? path.resolve(pkg, '../../models/omniglot-conv4.onnx');
rmSync(path.join(dist, 'models'), { recursive: true, force: true }); // tsup's clean keeps folders: no stale models
if (existsSync(model)) {
  mkdirSync(path.join(dist, 'models'), { recursive: true });
  copyFileSync(model, path.join(dist, 'models', 'omniglot-conv4.onnx'));
  console.log(`[sdk-web] default model copied to dist/models/omniglot-conv4.onnx (from ${path.relative(pkg, model)})`);
  // Its fully quantised variant (loadModel(undefined, { dtype: 'int8-qdq' })), named by core's table, when the repo has it.
  const qdqFile = BUNDLED_MODEL_FILES['int8-qdq'];
  const qdq = path.resolve(pkg, '../../models', qdqFile);
  if (!process.env.SIAMESE_WEB_DEFAULT_MODEL && existsSync(qdq)) {
    copyFileSync(qdq, path.join(dist, 'models', qdqFile));
    console.log(`[sdk-web] int8-qdq variant copied to dist/models/${qdqFile}`);
  }
} else {
  console.log('[sdk-web] models/omniglot-conv4.onnx not found: dist has no default model (pass a model URL to loadModel)');
}
// Printed, not enforced here (a build over the goal still produces a usable bundle): test/bundle-size.test.ts fails.
const { entry, lazy } = measureBundle(dist);
console.log(
  `[sdk-web] bundle size (our JS, minified, without onnxruntime-web/.wasm/model), loaded on import (${entry.files.join(' + ')}): ` +
    `${kB(entry.bytes)} kB (${kB(entry.gzip)} kB gzip); goal ≤ ${kB(BUNDLE_GOAL_BYTES)} kB: ${entry.bytes <= BUNDLE_GOAL_BYTES ? 'OK' : 'OVER'}`,
);
for (const { file, bytes, gzip } of lazy) console.log(`[sdk-web]   loaded on first use, not on import: ${file} ${kB(bytes)} kB (${kB(gzip)} kB gzip)`);
