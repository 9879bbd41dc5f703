import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { modelFingerprint } from '@siamese-sdk/core';
import { bundledModelPath, closeDecodePool, defaultModel, loadModel, rank } from '../src/index.js';
import { resetCudaWarning } from '../src/onnx-backend.js';
import { errorOf, exampleQuery, exampleSupport, startServer, tempDir } from './helpers.js';
import { buildLinearModel, testMetadata } from './onnx-builder.js';

const dir = tempDir();
const modelBytes = buildLinearModel();
const modelPath = join(dir, 'linear.onnx');
writeFileSync(modelPath, modelBytes);
const sha256 = createHash('sha256').update(modelBytes).digest('hex');

afterAll(() => closeDecodePool());

describe('loadModel: sources', () => {
  it('loads from a path, a file: URL, bytes and an ArrayBuffer with the same identity', async () => {
    const copy = modelBytes.slice();
    const sources = [modelPath, pathToFileURL(modelPath), pathToFileURL(modelPath).href, copy, copy.buffer.slice(0)];
    const reference = await loadModel(modelPath, { device: 'cpu' });
    const expected = await reference.embed(exampleQuery(1));
    for (const source of sources) {
      const model = await loadModel(source as never, { device: 'cpu' });
      expect(model.fingerprint).toBe(modelFingerprint(modelBytes));
      expect(model.sha256).toBe(sha256);
      expect(model.device).toBe('cpu');
      expect(model.metadata.name).toBe('linear-test');
      expect(Array.from(await model.embed(exampleQuery(1)))).toEqual(Array.from(expected));
      await model.dispose();
    }
    expect(copy).toEqual(modelBytes); // the caller's bytes are not changed
    await reference.dispose();
  });

  it('loads from an http URL (loopback) and checks sha256', async () => {
    const server = await startServer({ '/model.onnx': (_q, res) => res.end(Buffer.from(modelBytes)) });
    try {
      const model = await loadModel(server.url('/model.onnx'), { sha256 });
      expect(model.origin).toBe(server.url('/model.onnx'));
      await model.dispose();
      const error = await errorOf(() => loadModel(server.url('/model.onnx'), { sha256: '0'.repeat(64) }));
      expect(error.code).toBe('MODEL_INTEGRITY');
      expect(await errorOf(() => loadModel(server.url('/missing.onnx')))).toMatchObject({ code: 'NOT_FOUND', details: { status: 404 } }); // as a missing file, and in the web SDK
    } finally {
      await server.close();
    }
    expect((await errorOf(() => loadModel(modelPath, { sha256: 'xyz' }))).code).toBe('INVALID_ARGUMENT');
    expect((await (await loadModel(modelPath, { sha256: sha256.toUpperCase() })).dispose()) ?? 'ok').toBe('ok');
  });
});

describe('loadModel: bad models are refused with typed errors', () => {
  const write = (name: string, bytes: Uint8Array | string) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('missing file → NOT_FOUND, directory → INVALID_ARGUMENT, bad source → INVALID_ARGUMENT', async () => {
    const missing = await errorOf(() => loadModel(join(dir, 'nope.onnx')));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('nope.onnx');
    expect((await errorOf(() => loadModel(dir))).code).toBe('INVALID_ARGUMENT');
    expect((await errorOf(() => loadModel(42 as never))).code).toBe('INVALID_ARGUMENT');
    expect((await errorOf(() => loadModel('ftp://example.com/m.onnx'))).code).toBe('FETCH_FAILED');
  });

  it('bad options are refused before the model is read, so no session is left open', async () => {
    // A missing file would be NOT_FOUND: INVALID_ARGUMENT shows the options were checked first. (batchSize used to
    // be checked only after the onnxruntime session existed, and that session was never released.)
    const nowhere = join(dir, 'not-read.onnx');
    for (const batchSize of [0, -5, 1.5, Number.NaN]) {
      const error = await errorOf(() => loadModel(nowhere, { batchSize }));
      expect(error.code, String(batchSize)).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(/batchSize/);
    }
    // threads: one rule in both SDKs (core's resolveThreads), checked with the other shared options.
    for (const threads of [0, 1000, 2.5]) {
      const error = await errorOf(() => loadModel(nowhere, { threads }));
      expect(error.code, String(threads)).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(/threads must be an integer from 1 to 256/);
    }
    for (const options of [null, 'cpu', ['cpu']]) {
      const error = await errorOf(() => loadModel(nowhere, options as never));
      expect(error.code, String(options)).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(/loadModel options must be an object/);
    }
  });

  it('not ONNX → MODEL_INVALID; truncated ONNX → MODEL_INVALID', async () => {
    expect((await errorOf(() => loadModel(write('text.onnx', 'this is not a model')))).code).toBe('MODEL_INVALID');
    expect((await errorOf(() => loadModel(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'queries', 'tengwar-01.png'))))).code).toBe('MODEL_INVALID');
    expect((await errorOf(() => loadModel(modelBytes.subarray(0, modelBytes.length - 100)))).code).toBe('MODEL_INVALID');
    expect((await errorOf(() => loadModel(new Uint8Array()))).code).toBe('MODEL_INVALID');
  });

  it('no metadata or forged metadata → MODEL_METADATA', async () => {
    const none = await errorOf(() => loadModel(write('plain.onnx', buildLinearModel({ noMetadata: true }))));
    expect(none.code).toBe('MODEL_METADATA');
    expect(none.message).toContain('plain.onnx');
    expect((await errorOf(() => loadModel(buildLinearModel({ metadataJson: '{"schema": "x"' })))).code).toBe('MODEL_METADATA');
    const forged = JSON.stringify({ ...testMetadata(), calibration: { threshold: 'high' } });
    expect((await errorOf(() => loadModel(buildLinearModel({ metadataJson: forged })))).code).toBe('MODEL_METADATA');
  });

  it('graph and metadata disagree → MODEL_SHAPE (declared shapes and the warm-up run)', async () => {
    // Declared input 32×32, metadata says 28×28.
    expect((await errorOf(() => loadModel(buildLinearModel({ inputDims: ['N', 1, 32, 32] })))).code).toBe('MODEL_SHAPE');
    // Declared output fits (symbolic) but the graph really makes 8 values, metadata says 16.
    const wrongSize = await errorOf(() => loadModel(buildLinearModel({ graphOutputSize: 8, outputDims: ['N', 'D'] })));
    expect(wrongSize.code).toBe('MODEL_SHAPE');
    expect(wrongSize.message).toMatch(/8 values per image; its metadata says 16/);
    // Dynamic spatial dims the weights cannot take: metadata says 20×20, the MatMul needs 784 inputs.
    const meta = testMetadata({ input: { name: 'image', layout: 'NCHW', width: 20, height: 20, channels: 1 } });
    const bytes = buildLinearModel({ metadata: testMetadata(), inputDims: ['N', 1, 'H', 'W'], metadataJson: JSON.stringify(meta) });
    expect((await errorOf(() => loadModel(bytes))).code).toBe('MODEL_SHAPE');
  });

  it('invalid options → INVALID_ARGUMENT', async () => {
    expect((await errorOf(() => loadModel(modelBytes, { device: 'tpu' as never }))).code).toBe('INVALID_ARGUMENT');
    expect((await errorOf(() => loadModel(modelBytes, { threads: 0 }))).code).toBe('INVALID_ARGUMENT');
    expect((await errorOf(() => loadModel(modelBytes, { maxPixels: -1 }))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('devices', () => {
  it("device 'cuda' without the CUDA provider falls back to CPU with exactly one warning", async () => {
    resetCudaWarning();
    const warnings: string[] = [];
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error) => {
      warnings.push(String(w));
    }) as typeof process.emitWarning);
    try {
      const a = await loadModel(modelBytes, { device: 'cuda' });
      const b = await loadModel(modelBytes, { device: 'cuda' });
      expect(a.device).toBe('cpu');
      expect(b.device).toBe('cpu');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/CUDA was requested but is not usable .*running on CPU/);
      const cpu = await loadModel(modelBytes, { device: 'cpu' });
      expect(Array.from(await a.embed(exampleQuery(2)))).toEqual(Array.from(await cpu.embed(exampleQuery(2))));
      await Promise.all([a.dispose(), b.dispose(), cpu.dispose()]);
    } finally {
      spy.mockRestore();
    }
  });

  it("device 'auto' runs on CPU here without warning; threads is honoured", async () => {
    const spy = vi.spyOn(process, 'emitWarning');
    const model = await loadModel(modelBytes, { threads: 1 });
    expect(model.device).toBe('cpu');
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    await model.dispose();
  });
});

describe('dispose', () => {
  it('fails later calls and queued calls with MODEL_DISPOSED; dispose twice is fine', async () => {
    const model = await loadModel(modelBytes);
    const images = Array.from({ length: 40 }, (_, i) => exampleQuery((i % 5) + 1));
    const inFlight = Promise.allSettled([model.embed(images), model.embed(images.slice(0, 3)), model.rank(exampleQuery(1), exampleSupport)]);
    await model.dispose();
    for (const r of await inFlight) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'MODEL_DISPOSED' });
    expect((await errorOf(() => model.embed(exampleQuery(1)))).code).toBe('MODEL_DISPOSED');
    expect((await errorOf(() => model.similarity(exampleQuery(1), exampleQuery(2)))).code).toBe('MODEL_DISPOSED');
    expect((await errorOf(() => model.rank(exampleQuery(1), exampleSupport))).code).toBe('MODEL_DISPOSED');
    await model.dispose();
  });
});

describe('the bundled default model', () => {
  it('is resolved inside the package and loaded once, lazily', async () => {
    expect(bundledModelPath()).toMatch(/sdk-node[\\/]models[\\/]omniglot-conv4\.onnx$/);
    if (!existsSync(bundledModelPath())) {
      const error = await errorOf(() => defaultModel());
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toMatch(/bundled model is missing/);
      expect((await errorOf(() => rank(exampleQuery(1), exampleSupport))).code).toBe('NOT_FOUND');
      return;
    }
    const [a, b] = await Promise.all([defaultModel(), defaultModel()]);
    expect(a).toBe(b);
    expect(a.metadata.input.name).toBeTruthy();
    await a.dispose();
    const c = await defaultModel();
    expect(c).not.toBe(a); // reloaded after dispose
    expect(c.isDisposed).toBe(false);
  });
});
