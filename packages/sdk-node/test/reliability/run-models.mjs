/**
 * Child process of the untrusted-model test: loads each mutated model file with the BUILT siamese-sdk and, when it
 * loads, embeds one image. One JSON line per file, so a native crash in onnxruntime is seen (and named) by the parent.
 *
 *   node run-models.mjs <manifest.json> <image.png>
 */
import { readFileSync } from 'node:fs';
import { SiameseError, loadModel } from '../../dist/index.js';

const [manifestPath, imagePath] = process.argv.slice(2);
const emit = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);
const outcome = (error) => (error instanceof SiameseError ? error.code : `UNTYPED ${error?.name}: ${String(error?.message ?? error).slice(0, 300)}`);
process.on('unhandledRejection', (reason) => {
  emit({ type: 'fatal', message: String(reason?.stack ?? reason) });
  process.exit(3);
});
emit({ type: 'start' });
for (const item of JSON.parse(readFileSync(manifestPath, 'utf8'))) {
  const started = performance.now();
  const record = { type: 'item', name: item.name };
  let model;
  try {
    model = await loadModel(item.file, { threads: 1 });
    record.load = 'ok';
  } catch (error) {
    record.load = outcome(error);
  }
  if (model) {
    try {
      const e = await model.embed(imagePath);
      record.embed = e.every(Number.isFinite) ? 'finite' : 'NON-FINITE';
    } catch (error) {
      record.embed = outcome(error);
    }
    await model.dispose();
  }
  record.ms = performance.now() - started;
  emit(record);
}
emit({ type: 'done' });
