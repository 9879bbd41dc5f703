/**
 * Child process of the leak test: N embed/rank calls on one model, then M load → use → dispose cycles, against the
 * BUILT siamese-sdk. Prints RSS (after a forced GC) at warm-up and at ten checkpoints of each phase, as JSON lines.
 *
 *   node --expose-gc soak.mjs <model.onnx> <supportDir> <query.png> <calls> <cycles>
 */
import { readFileSync } from 'node:fs';
import { closeDecodePool, loadModel } from '../../dist/index.js';

const [modelPath, supportDir, queryPath, callsArg, cyclesArg] = process.argv.slice(2);
const calls = Number(callsArg);
const cycles = Number(cyclesArg);
const emit = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);
const rss = () => {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().rss;
};
process.on('unhandledRejection', (reason) => {
  emit({ type: 'fatal', message: String(reason?.stack ?? reason) });
  process.exit(3);
});

const modelBytes = new Uint8Array(readFileSync(modelPath));
const queryBytes = readFileSync(queryPath);
const model = await loadModel(modelPath, { threads: 1 });
const set = await model.supportSet(supportDir);
const one = (i) => (i % 2 ? model.embed(i % 4 === 1 ? queryPath : queryBytes) : set.rank(i % 4 === 0 ? queryPath : queryBytes, { k: 3 }));
// Warm-up: caches, JIT, onnxruntime arenas and the allocator reach their steady state.
for (let i = 0; i < Math.min(2000, calls / 5); i++) await one(i);
emit({ type: 'calls', done: 0, rss: rss() });
const started = performance.now();
// A few calls in flight at once, as an app would make them.
for (let i = 0; i < calls; i += 4) {
  await Promise.all([one(i), one(i + 1), one(i + 2), one(i + 3)]);
  if ((i + 4) % (calls / 10) < 4) emit({ type: 'calls', done: i + 4, rss: rss(), ms: performance.now() - started });
}
await model.dispose();

const cycle = async (i) => {
  const m = await loadModel(i % 2 ? modelPath : modelBytes, { threads: 1 });
  const s = await m.supportSet(supportDir);
  await s.rank(queryBytes);
  await m.dispose();
};
for (let i = 0; i < Math.min(10, cycles / 5); i++) await cycle(i);
emit({ type: 'cycles', done: 0, rss: rss() });
for (let i = 0; i < cycles; i++) {
  await cycle(i);
  if ((i + 1) % Math.max(1, cycles / 10) === 0) emit({ type: 'cycles', done: i + 1, rss: rss() });
}
await closeDecodePool();
emit({ type: 'done' });
