/**
 * The SDK on a plain page (no COOP/COEP → wasm, 1 thread), loaded with an import map from dist/: rankings equal the
 * Node SDK's, every image input form gives the same embedding, and every bad input is a typed SiameseError.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../e2e/chromium.mjs';
import { startServer } from '../e2e/server.mjs';
import { REPO_DIR, startTestSite } from '../e2e/site.mjs';
import {
  EXAMPLE_QUERIES, EXAMPLE_SUPPORT, MODEL, type QueryResult, asPath, asUrl, assertBuilt, expectSameRankings, mapSupport,
  nodeRankings, nodeReference, openPage,
} from './helpers.js';
import { buildLinearModel } from '../../sdk-node/test/onnx-builder.js';
import path from 'node:path';
import { BUNDLED_MODEL_FILES } from '@siamese-sdk/core';
import { loadModel as loadNodeModel } from 'siamese-sdk';

const BAD_MODELS: Record<string, Uint8Array> = {
  noMetadata: buildLinearModel({ noMetadata: true }),
  forgedMetadata: buildLinearModel({ metadataJson: '{"schema": "x"' }),
  // Declared input 32×32, the metadata says 28×28.
  declaredShapeMismatch: buildLinearModel({ inputDims: ['N', 1, 32, 32] }),
  // Declared output fits (symbolic), but the graph really makes 8 values where the metadata says 16: the warm-up run catches it.
  realOutputMismatch: buildLinearModel({ graphOutputSize: 8, outputDims: ['N', 'D'] }),
};

interface RankOutput { device: string; threads: number; crossOriginIsolated: boolean; inWorker: boolean; results: QueryResult[]; supportJSON: unknown }

let browser: Browser;
let site: { url: string; close: () => Promise<void> };
/** Another origin (another port) serving images without CORS headers. */
let otherOrigin: { url: string; close: () => Promise<void> };
let page: Page;
let errors: string[];

beforeAll(async () => {
  assertBuilt();
  site = await startTestSite({ isolated: false, defaultModel: MODEL.path });
  otherOrigin = await startServer({ mounts: { '/examples/': `${REPO_DIR}/examples` } });
  browser = await launchChromium();
  ({ page, errors } = await openPage(browser, `${site.url}/pages/harness.html`, { expectedFailedUrls: /\/missing\// }));
  await page.waitForFunction(() => (window as unknown as { harness?: unknown }).harness !== undefined);
  // Valid ONNX models we must refuse, made by the Node SDK's test model builder and served from the page's origin.
  for (const [name, bytes] of Object.entries(BAD_MODELS)) {
    await page.route((u) => u.pathname === `/generated/${name}.onnx`, (route) => route.fulfill({ body: Buffer.from(bytes), contentType: 'application/octet-stream' }));
  }
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await otherOrigin?.close();
});

describe('web SDK on a plain page (wasm, single thread)', () => {
  it('ranks the example queries exactly as the Node SDK does (scores within 1e-4)', async () => {
    const support = mapSupport(EXAMPLE_SUPPORT, asUrl);
    const out = await page.evaluate(
      (args) => (window as any).harness.page.rank(args) as Promise<RankOutput>,
      { modelUrl: MODEL.url, device: 'wasm', support, queries: EXAMPLE_QUERIES.map(asUrl) },
    );
    expect(out).toMatchObject({ device: 'wasm', threads: 1, crossOriginIsolated: false, inWorker: false });
    const node = await nodeRankings(EXAMPLE_SUPPORT, EXAMPLE_QUERIES);
    const browserResults = out.results.map((r, i) => ({ ...r, query: EXAMPLE_QUERIES[i] }));
    const diff = expectSameRankings(browserResults, node);
    console.log(`[e2e] page wasm×1: ${out.results.length} queries × 5 labels, max |browser − node| = ${diff.toExponential(2)}`);

    // A support set stored by the browser (toJSON) is reloaded by the Node SDK and ranks identically there.
    const nodeModel = await nodeReference();
    const restored = nodeModel.supportSetFromJSON(JSON.parse(JSON.stringify(out.supportJSON)));
    const again = await nodeModel.rank(asPath(EXAMPLE_QUERIES[2]), restored, { k: 1000 });
    expect(again.map((m) => m.label)).toEqual(node[2].ranking.map((m) => m.label));
    again.forEach((m, j) => expect(Math.abs(m.score - node[2].ranking[j].score)).toBeLessThanOrEqual(1e-4));

    // And the other way round: a set stored by the Node SDK ranks identically in the browser.
    const nodeSet = await nodeModel.supportSet(mapSupport(EXAMPLE_SUPPORT, asPath));
    const inBrowser = await page.evaluate(
      (args) => (window as any).harness.page.rankStored(args) as Promise<QueryResult['ranking']>,
      { modelUrl: MODEL.url, json: JSON.parse(JSON.stringify(nodeSet.toJSON())), query: asUrl(EXAMPLE_QUERIES[1]) },
    );
    expectSameRankings([{ ...node[1], ranking: inBrowser }], [node[1]]);
    expect(errors).toEqual([]);
  });

  it("the 'nearest' strategy matches the Node SDK too", async () => {
    const support = mapSupport(EXAMPLE_SUPPORT, asUrl);
    const queries = EXAMPLE_QUERIES.slice(0, 2);
    const out = await page.evaluate(
      (args) => (window as any).harness.page.rank(args) as Promise<RankOutput>,
      { modelUrl: MODEL.url, device: 'wasm', support, queries: queries.map(asUrl), strategy: 'nearest' },
    );
    expectSameRankings(out.results.map((r, i) => ({ ...r, query: queries[i] })), await nodeRankings(EXAMPLE_SUPPORT, queries, 'nearest'));
  });

  it('top-level rank / similarity / embed / supportSet load the default model beside the bundle once, like the Node SDK', async () => {
    const support = mapSupport(EXAMPLE_SUPPORT, asUrl);
    const [query, other] = [EXAMPLE_QUERIES[3], EXAMPLE_QUERIES[4]];
    const out = await page.evaluate(
      (args) => (window as any).harness.page.defaultModel(args) as Promise<{ origin: string; device: string; ranking: QueryResult['ranking']; accepted: boolean; similarity: { distance: number; similarity: number; probability: number; same: boolean }; embedding: number[]; labels: string[]; sameModelReused: boolean }>,
      { support, query: asUrl(query), pair: [asUrl(query), asUrl(other)] },
    );
    expect(out.origin).toBe(`${site.url}/sdk/models/omniglot-conv4.onnx`);
    expect(out.sameModelReused).toBe(true);
    expect(out.labels).toEqual(Object.keys(EXAMPLE_SUPPORT));
    const [node] = await nodeRankings(EXAMPLE_SUPPORT, [query]);
    expectSameRankings([{ query, ranking: out.ranking, accepted: out.accepted, threshold: node.threshold }], [node]);
    const nodeModel = await nodeReference();
    const sim = await nodeModel.similarity(asPath(query), asPath(other));
    expect(out.similarity.same).toBe(sim.same);
    for (const key of ['distance', 'similarity', 'probability'] as const) expect(Math.abs(out.similarity[key] - sim[key])).toBeLessThanOrEqual(1e-4);
    const embedding = await nodeModel.embed(asPath(query));
    expect(Math.max(...out.embedding.map((v, i) => Math.abs(v - embedding[i])))).toBeLessThanOrEqual(1e-5);
    expect(errors).toEqual([]);
  });

  it.runIf(MODEL.trained)('dtype int8-qdq loads the quantised variant beside the bundle and ranks as the Node SDK does with it', async () => {
    const support = mapSupport(EXAMPLE_SUPPORT, asUrl);
    const out = await page.evaluate(
      (args) => (window as any).harness.page.dtype(args) as Promise<{ origin: string; dtype: string; files: Record<string, string>; results: Omit<QueryResult, 'query'>[]; mismatch: unknown }>,
      { support, queries: EXAMPLE_QUERIES.map(asUrl), fp32Url: MODEL.url },
    );
    expect(out.origin).toBe(`${site.url}/sdk/models/omniglot-conv4.int8-qdq.onnx`);
    expect(out.dtype).toBe('int8-qdq');
    expect(out.files).toEqual(BUNDLED_MODEL_FILES); // the bundle's literal model URLs name core's files
    const nodeModel = await loadNodeModel(path.join(REPO_DIR, 'models', BUNDLED_MODEL_FILES['int8-qdq']), { threads: 1, dtype: 'int8-qdq' });
    try {
      const set = await nodeModel.supportSet(mapSupport(EXAMPLE_SUPPORT, asPath));
      const node: QueryResult[] = [];
      for (const query of EXAMPLE_QUERIES) {
        const r = await nodeModel.rank(asPath(query), set, { k: 1000 });
        node.push({ query, ranking: r.map(({ label, score, distance, probability }) => ({ label, score, distance, probability })), accepted: r.accepted, threshold: r.threshold });
      }
      const worst = expectSameRankings(out.results.map((r, i) => ({ ...r, query: EXAMPLE_QUERIES[i] })), node);
      console.log(`int8-qdq, web (onnxruntime-web wasm) vs Node (onnxruntime-node): largest score/distance/probability difference ${worst.toExponential(2)}`);
    } finally {
      await nodeModel.dispose();
    }
    expect(out.mismatch).toMatchObject({ name: 'SiameseError', code: 'MODEL_INVALID' });
    expect((out.mismatch as { message: string }).message).toMatch(/is fp32, not the requested dtype int8-qdq$/);
    expect(errors).toEqual([]);
  });

  it('every image input form (URL, data: URL, bytes, Blob, File, <img>, canvases, ImageBitmap, ImageData, raw) gives the Node embedding', async () => {
    const query = EXAMPLE_QUERIES[0];
    const forms = await page.evaluate(
      (args) => (window as any).harness.page.inputForms(args) as Promise<Record<string, number[]>>,
      { modelUrl: MODEL.url, url: asUrl(query) },
    );
    expect(Object.keys(forms).sort()).toEqual(
      [
        'ArrayBuffer', 'Blob', 'File', 'HTMLCanvasElement', 'HTMLImageElement', 'ImageBitmap', 'ImageData', 'OffscreenCanvas', 'RawImage', 'URL object',
        'Uint8Array', 'data URL (base64)', 'data URL (percent-encoded)', 'string URL',
      ].sort(),
    );
    const reference = Array.from(await (await nodeReference()).embed(asPath(query)));
    for (const [form, embedding] of Object.entries(forms)) {
      const diff = Math.max(...embedding.map((v, i) => Math.abs(v - reference[i])));
      expect(diff, `${form} differs from the Node SDK's embedding by ${diff}`).toBeLessThanOrEqual(1e-5);
    }
    expect(errors).toEqual([]);
  });

  it('ImageData and raw pixels are read when the call is made: a buffer reused for the next frame changes no earlier call', async () => {
    const out = await page.evaluate(
      (args) => (window as any).harness.page.heldPixels(args) as Promise<{ reference: number[][]; raw: number[][]; imageData: number[][] }>,
      { modelUrl: MODEL.url, urls: [asUrl(EXAMPLE_QUERIES[0]), asUrl(EXAMPLE_QUERIES[1])] },
    );
    const [a, b] = out.reference;
    expect(a).not.toEqual(b);
    expect(out.raw).toEqual([a, b, b]); // the batch was called while the buffer held b, then a was written back
    expect(out.imageData).toEqual([a, b]);
    expect(errors).toEqual([]);
  });

  it('bad images, bad models and empty support sets are typed SiameseErrors; the model keeps working', async () => {
    const r = await page.evaluate(
      (args) => (window as any).harness.page.error(args) as Promise<Record<string, { threw: boolean; siamese?: boolean; code?: string; message?: string; details?: Record<string, unknown> }>>,
      {
        modelUrl: MODEL.url, goodImage: asUrl(EXAMPLE_QUERIES[0]), missingUrl: '/missing/nothing.png', badModelUrls: Object.fromEntries(Object.keys(BAD_MODELS).map((name) => [name, `/generated/${name}.onnx`])),
        crossOriginImageUrl: `${otherOrigin.url}/${EXAMPLE_QUERIES[0]}`,
      },
    );
    const expected: Record<string, string> = {
      corruptPng: 'IMAGE_DECODE',
      notAnImage: 'IMAGE_UNSUPPORTED_FORMAT',
      emptyBlob: 'IMAGE_EMPTY',
      hugeHeader: 'IMAGE_TOO_LARGE',
      zeroSizeHeader: 'IMAGE_EMPTY',
      zeroSizeCanvas: 'IMAGE_EMPTY',
      overPixelLimit: 'IMAGE_TOO_LARGE',
      missingUrl: 'NOT_FOUND',
      fetchTimeout: 'FETCH_TIMEOUT',
      fetchTooLarge: 'FETCH_TOO_LARGE',
      unsupportedInput: 'INVALID_ARGUMENT',
      badInBatch: 'IMAGE_UNSUPPORTED_FORMAT',
      emptySupportSet: 'SUPPORT_SET_EMPTY',
      emptyLabel: 'SUPPORT_LABEL_EMPTY',
      rankEmptySupport: 'SUPPORT_SET_EMPTY',
      badModelBytes: 'MODEL_INVALID',
      noMetadata: 'MODEL_METADATA',
      forgedMetadata: 'MODEL_METADATA',
      declaredShapeMismatch: 'MODEL_SHAPE',
      realOutputMismatch: 'MODEL_SHAPE',
      missingModelUrl: 'NOT_FOUND',
      foreignSupportJSON: 'SUPPORT_SET_INVALID',
      afterDispose: 'MODEL_DISPOSED',
      crossOriginNoCors: 'IMAGE_DECODE',
      nodeOnlyDevice: 'INVALID_ARGUMENT',
      zeroThreads: 'INVALID_ARGUMENT',
      tooManyThreads: 'INVALID_ARGUMENT',
      dtypeMismatchBytes: 'MODEL_INVALID',
      rawFloat32Data: 'INVALID_ARGUMENT',
      hugeRawShortData: 'IMAGE_TOO_LARGE',
      malformedDataUrl: 'INVALID_ARGUMENT',
      dataUrlTooLarge: 'FETCH_TOO_LARGE',
    };
    for (const [name, code] of Object.entries(expected)) {
      expect(r[name], name).toMatchObject({ threw: true, siamese: true, code });
      expect(r[name].message, name).toBeTruthy();
    }
    // One bad image in a batch names its position; the huge header is refused before any decoding.
    expect(r.badInBatch.details).toMatchObject({ index: 2 });
    expect(r.hugeHeader.details).toMatchObject({ width: 100000, height: 100000 });
    expect(r.noMetadata.message).toMatch(/metadata/);
    expect(r.realOutputMismatch.message).toMatch(/\b8\b.*\b16\b|\b16\b.*\b8\b/);
    expect(r.crossOriginNoCors.message).toMatch(/CORS/);
    // Unknown bytes name the formats a browser decodes; a limit under a megapixel is stated in pixels.
    expect(r.notAnImage.message).toMatch(/not a supported image format \(expected PNG, JPEG, GIF, BMP or WebP\)$/);
    expect(r.overPixelLimit.message).toMatch(/105×105 = 11025 pixels, over the limit of 1000 \(option maxPixels\)$/);
    // The same errors as the Node SDK gives for the same mistakes.
    expect(r.tooManyThreads.message).toMatch(/threads must be an integer from 1 to 256/);
    expect(r.dtypeMismatchBytes.message).toBe('model bytes is fp32, not the requested dtype int8-qdq');
    expect(r.rawFloat32Data.message).toMatch(/data must be a Uint8Array or Uint8ClampedArray, got Float32Array/);
    expect(r.hugeRawShortData.details).toMatchObject({ width: 100000, height: 100000 });
    expect(r.malformedDataUrl.message).toMatch(/data: URL/);
    expect(r.stillWorks).toEqual({ threw: false });
    expect(errors).toEqual([]);
  });

  it("onnxruntime-web's files missing (a wrong wasmPaths) is a BACKEND error naming the option, not a bad model", async () => {
    const fresh = await openPage(browser, `${site.url}/pages/harness.html`, { expectedFailedUrls: /\/missing\// });
    await fresh.page.waitForFunction(() => (window as unknown as { harness?: unknown }).harness !== undefined);
    const r = await fresh.page.evaluate(
      (args) => (window as any).harness.page.missingWasm(args) as Promise<{ threw: boolean; siamese: boolean; code: string; message: string }>,
      { modelUrl: MODEL.url, wasmPaths: '/missing/ort/' },
    );
    expect(r).toMatchObject({ threw: true, siamese: true, code: 'BACKEND' });
    expect(r.message).toMatch(/wasmPaths/);
    expect(fresh.errors).toEqual([]);
    await fresh.page.context().close();
  });
});
