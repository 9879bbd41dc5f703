/**
 * Child process of the trainer's hostile-input test: decodes + preprocesses every corpus file the way the folder
 * dataset does (one JSON line each, so the parent's watchdog names a file that hangs), then loads the whole folder
 * with the BUILT package's loadFolderDataset.
 *
 *   node run-dataset.mjs <manifest.json> <datasetDir> <cacheDir>
 */
import { readFileSync } from 'node:fs';
import { SiameseError, preprocessImage } from '@siamese-sdk/core';
import { decodeImageBytes, defaultFolderTarget, loadFolderDataset } from '../../dist/index.js';

const [manifestPath, datasetDir, cacheDir] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const emit = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);
process.on('unhandledRejection', (reason) => {
  emit({ type: 'fatal', message: `unhandled rejection: ${String(reason?.stack ?? reason)}` });
  process.exit(3);
});

const target = defaultFolderTarget();
emit({ type: 'start', rss: process.memoryUsage().rss });
for (const item of manifest) {
  const started = performance.now();
  const record = { type: 'item', name: item.name };
  try {
    const out = preprocessImage(await decodeImageBytes(readFileSync(item.file)), target);
    record.outcome = out.every(Number.isFinite) ? 'ok' : 'NON-FINITE';
  } catch (error) {
    record.outcome = error instanceof SiameseError ? error.code : `UNTYPED ${error?.name}: ${String(error?.message ?? error).slice(0, 200)}`;
  }
  record.ms = performance.now() - started;
  record.rss = process.memoryUsage().rss;
  emit(record);
}
const started = performance.now();
try {
  const { set } = await loadFolderDataset(datasetDir, { cacheDir });
  emit({ type: 'dataset', classes: set.classes.length, images: set.n, skipped: set.skipped?.length, ms: performance.now() - started, rss: process.memoryUsage().rss });
} catch (error) {
  emit({ type: 'dataset', error: error instanceof SiameseError ? error.code : `UNTYPED ${String(error)}`, ms: performance.now() - started });
}
