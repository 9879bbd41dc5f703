/**
 * Untrusted model files: seeded truncations and bit flips of the real Conv-4 model (header, graph, metadata and
 * weights alike), loaded by the built SDK in a watched child process. Each must be refused with a typed error or
 * load and embed to finite values — never crash onnxruntime, hang, or give NaN embeddings silently. Plus the
 * sha256 pin on files and bytes (load-model.test.ts covers URLs and the hand-made bad models).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/index.js';
import { runChild } from './hostile/child.js';
import { buildLinearModel } from './onnx-builder.js';
import { mulberry32 as rng } from '@siamese-sdk/core';
import { errorOf, exampleQuery, mechanicsModel, tempDir } from './helpers.js';

const MUTANTS = Number(process.env.MODEL_MUTANTS ?? 120);

function mutants(bytes: Uint8Array, count: number): { name: string; bytes: Uint8Array }[] {
  const random = rng(44);
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 4 === 0) {
      const at = Math.floor(random() * bytes.length);
      out.push({ name: `trunc-${i}-at${at}`, bytes: bytes.slice(0, at) });
    } else {
      const copy = Uint8Array.from(bytes);
      // A third of the flips land in the first 4 kB (protobuf framing, graph, names), the rest anywhere (weights).
      const span = i % 3 === 0 ? Math.min(4096, bytes.length) : bytes.length;
      const flips = 1 + Math.floor(random() * 6);
      for (let f = 0; f < flips; f++) copy[Math.floor(random() * span)] ^= 1 << Math.floor(random() * 8);
      out.push({ name: `flip-${i}`, bytes: copy });
    }
  }
  return out;
}

describe('untrusted model files', () => {
  it(`${MUTANTS} truncated and bit-flipped models: typed error or a working model with finite embeddings; no crash, no hang`, async () => {
    const modelPath = mechanicsModel();
    if (typeof modelPath !== 'string') throw new Error('needs fixtures/models/conv4-untrained.onnx');
    const dir = tempDir('siamese-models-');
    mkdirSync(join(dir, 'm'));
    const manifest = mutants(new Uint8Array(readFileSync(modelPath)), MUTANTS).map(({ name, bytes }) => {
      const file = join(dir, 'm', `${name}.onnx`);
      writeFileSync(file, bytes);
      return { name, file };
    });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const result = await runChild(join(__dirname, 'reliability', 'run-models.mjs'), [join(dir, 'manifest.json'), exampleQuery(1)], { silenceMs: 30_000 });
    expect(result.hungAfter, `hung after ${JSON.stringify(result.hungAfter)}`).toBeUndefined();
    expect({ code: result.code, signal: result.signal }, `after ${JSON.stringify(result.records.at(-1))}: ${result.stderr.slice(-1500)}`).toEqual({ code: 0, signal: null });
    const items = result.records.filter((r) => r.type === 'item');
    expect(items.length).toBe(MUTANTS);
    const outcomes: Record<string, number> = {};
    for (const r of items) {
      const key = r.load === 'ok' ? `loaded, embed ${String(r.embed)}` : String(r.load);
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
    console.log(`untrusted models: ${JSON.stringify(outcomes)}; slowest ${Math.max(...items.map((r) => r.ms as number)).toFixed(0)} ms`);
    const bad = items.filter((r) => String(r.load).startsWith('UNTYPED') || String(r.embed).startsWith('UNTYPED') || r.embed === 'NON-FINITE');
    expect(bad.map((r) => `${String(r.name)}: load ${String(r.load)} embed ${String(r.embed)}`)).toEqual([]);
    expect(Object.keys(outcomes).length).toBeGreaterThan(1);
  }, 300_000);

  it('sha256 pins files and bytes: a match loads, one changed byte is MODEL_INTEGRITY, a malformed pin INVALID_ARGUMENT', async () => {
    const modelPath = mechanicsModel() as string;
    const bytes = new Uint8Array(readFileSync(modelPath));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const model = await loadModel(modelPath, { sha256: sha256.toUpperCase() });
    expect(model.sha256).toBe(sha256);
    await model.dispose();
    const changed = Uint8Array.from(bytes);
    changed[changed.length - 1] ^= 1;
    const integrity = await errorOf(() => loadModel(changed, { sha256 }));
    expect(integrity.code).toBe('MODEL_INTEGRITY');
    expect(integrity.details).toMatchObject({ expected: sha256 });
    expect((await errorOf(() => loadModel(modelPath, { sha256: 'abc' }))).code).toBe('INVALID_ARGUMENT');
  });

  it('a model whose weights hold NaN/Infinity is refused (typed), never silently ranks with NaN scores', async () => {
    for (const poison of [NaN, Infinity]) {
      const bytes = buildLinearModel({ seed: 1 });
      // The same generator as buildLinearModel's: find its weight block in the file and poison it.
      let seed = 1;
      const first = new Float32Array(8).map(() => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.2);
      const at = Buffer.from(bytes).indexOf(Buffer.from(first.buffer));
      expect(at).toBeGreaterThan(0);
      new DataView(bytes.buffer, bytes.byteOffset).setFloat32(at, poison, true);
      const outcome = await (async () => {
        const model = await loadModel(bytes);
        try {
          const ranking = await model.rank(exampleQuery(1), { a: exampleQuery(2), b: exampleQuery(3) });
          return `ranked: ${JSON.stringify(ranking.map((m) => m.score))}`;
        } finally {
          await model.dispose();
        }
      })().catch((error: unknown) => error);
      expect(outcome, String(poison)).toMatchObject({ code: 'MODEL_INVALID' });
    }
  });
});
