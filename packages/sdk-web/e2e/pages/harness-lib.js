// Scenarios the end-to-end tests run inside Chromium, on a page or in a Web Worker. Each takes the SDK module
// (so the same code runs against the import-mapped page build and the worker build) and returns plain JSON.

/** Loads a model and ranks every query against a support set given as image URLs. */
export async function rankScenario(sdk, { modelUrl, device = 'wasm', threads, support, queries, k = 1000, strategy = 'prototype' }) {
  const t0 = performance.now();
  const model = await sdk.loadModel(modelUrl, { device, ...(threads !== undefined ? { threads } : {}) });
  const loadMs = performance.now() - t0;
  const set = await model.supportSet(support);
  const results = [];
  const t1 = performance.now();
  for (const query of queries) {
    const ranking = await model.rank(query, set, { k, strategy });
    results.push({
      query,
      ranking: ranking.map(({ label, score, distance, probability }) => ({ label, score, distance, probability })),
      accepted: ranking.accepted,
      threshold: ranking.threshold,
    });
  }
  const rankMs = (performance.now() - t1) / Math.max(1, queries.length);
  const out = {
    device: model.device,
    threads: model.threads,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    inWorker: typeof document === 'undefined',
    loadMs,
    rankMs,
    results,
    supportJSON: set.toJSON(),
  };
  await model.dispose();
  return out;
}

/** The top-level functions with the default model (models/omniglot-conv4.onnx beside the bundle). */
export async function defaultModelScenario(sdk, { support, query, pair }) {
  const ranking = await sdk.rank(query, support, { k: 1000 });
  const similarity = await sdk.similarity(pair[0], pair[1]);
  const set = await sdk.supportSet(support);
  const model = await sdk.defaultModel();
  return {
    origin: model.origin,
    device: model.device,
    ranking: ranking.map(({ label, score, distance, probability }) => ({ label, score, distance, probability })),
    accepted: ranking.accepted,
    similarity,
    embedding: Array.from(await sdk.embed(query)),
    labels: set.labels,
    sameModelReused: (await sdk.defaultModel()) === model,
  };
}

/** The default model's int8-qdq variant beside the bundle (loadModel's dtype option), ranking the queries. */
export async function dtypeScenario(sdk, { support, queries, fp32Url }) {
  const model = await sdk.loadModel(undefined, { dtype: 'int8-qdq', device: 'wasm' });
  const set = await model.supportSet(support);
  const results = [];
  for (const query of queries) {
    const ranking = await set.rank(query, { k: 1000 });
    results.push({ ranking: ranking.map(({ label, score, distance, probability }) => ({ label, score, distance, probability })), accepted: ranking.accepted, threshold: ranking.threshold });
  }
  const out = { origin: model.origin, dtype: model.metadata.dtype, files: sdk.BUNDLED_MODEL_FILES, results };
  await model.dispose();
  // A model file that is not what dtype asks for is refused, naming both.
  out.mismatch = await sdk.loadModel(fp32Url, { dtype: 'int8-qdq', device: 'wasm' }).then(
    () => 'loaded',
    (e) => ({ name: e.name, code: e.code, message: e.message }),
  );
  return out;
}

/**
 * Approximate search (index: 'approximate'), whose code is a chunk loaded on first use: a set switched to it
 * synchronously ranks exactly until the chunk has come; `rank` waits for it; `supportSet(…, { index })` too. Each
 * result says which search served it (approximateIndex() is undefined while a set searches exactly).
 */
export async function approximateScenario(sdk, { modelUrl, support, queries, k = 1000 }) {
  const model = await sdk.loadModel(modelUrl, { device: 'wasm' });
  const summary = (ranking, set) => ({
    search: set.approximateIndex() ? 'approximate' : 'exact',
    ranking: ranking.map(({ label, score, distance, probability }) => ({ label, score, distance, probability })),
    accepted: ranking.accepted,
    threshold: ranking.threshold,
  });
  const exactSet = await model.supportSet(support);
  const exact = [];
  for (const query of queries) exact.push(summary(await model.rank(query, exactSet, { k }), exactSet));
  // Switched synchronously (setSearch, through supportSetFromJSON's options): the chunk is not there yet.
  const embedding = await model.embed(queries[0]);
  const switched = model.supportSetFromJSON(exactSet.toJSON(), { index: 'approximate' });
  const beforeLoad = summary(switched.rankEmbedding(embedding, { k }), switched);
  const firstRank = summary(await switched.rank(queries[0], { k }), switched);
  // Created for approximate search: ready at once, sync calls included.
  const approximateSet = await model.supportSet(support, { index: 'approximate' });
  const approximate = [];
  for (const query of queries) approximate.push(summary(await model.rank(query, approximateSet, { k }), approximateSet));
  const afterCreate = summary(approximateSet.rankEmbedding(embedding, { k }), approximateSet);
  await model.dispose();
  return { exact, beforeLoad, firstRank, approximate, afterCreate };
}

/** Reloads a support set stored elsewhere (e.g. by the Node SDK) and ranks a query against it. */
export async function rankStoredScenario(sdk, { modelUrl, json, query }) {
  const model = await sdk.loadModel(modelUrl, { device: 'wasm' });
  const set = model.supportSetFromJSON(json);
  const ranking = await set.rank(query, { k: 1000 });
  await model.dispose();
  return ranking.map(({ label, score, distance, probability }) => ({ label, score, distance, probability }));
}

/** Embeds the same image given in every input form this context has; returns the embeddings by form. */
export async function inputFormsScenario(sdk, { modelUrl, url }) {
  const model = await sdk.loadModel(modelUrl, { device: 'wasm' });
  const blob = await (await fetch(url)).blob();
  const bitmap = await createImageBitmap(blob);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  const forms = {
    'string URL': url,
    'URL object': new URL(url, globalThis.location.href),
    Blob: blob,
    ImageBitmap: bitmap,
    // The forms the Node SDK takes too: encoded bytes and data: URLs (decoded by the SDK, base64 or percent-encoded).
    Uint8Array: bytes,
    ArrayBuffer: bytes.slice().buffer,
    'data URL (base64)': `data:image/png;base64,${btoa(binary)}`,
    'data URL (percent-encoded)': `data:image/png,${Array.from(bytes, (b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('')}`,
  };
  const off = new OffscreenCanvas(bitmap.width, bitmap.height);
  off.getContext('2d').drawImage(bitmap, 0, 0);
  forms.OffscreenCanvas = off;
  forms.ImageData = off.getContext('2d').getImageData(0, 0, bitmap.width, bitmap.height);
  const rgba = forms.ImageData;
  forms.RawImage = { data: new Uint8Array(rgba.data), width: rgba.width, height: rgba.height, channels: 4 };
  if (typeof document !== 'undefined') {
    forms.File = new File([blob], 'image.png', { type: 'image/png' });
    const img = new Image();
    img.src = url;
    forms.HTMLImageElement = img; // not awaited on purpose: the SDK waits for decoding itself
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    forms.HTMLCanvasElement = canvas;
  }
  const names = Object.keys(forms);
  const embeddings = await model.embed(names.map((n) => forms[n]));
  const out = Object.fromEntries(names.map((n, i) => [n, Array.from(embeddings[i])]));
  await model.dispose();
  return out;
}

/** RGBA pixels of an image URL, read through a canvas. */
async function rgbaOf(url) {
  const bitmap = await createImageBitmap(await (await fetch(url)).blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, bitmap.width, bitmap.height);
}

/**
 * One pixel buffer reused for successive frames (raw pixels, then an ImageData): each call must embed the frame it
 * was given, not whatever the buffer holds when decoding runs. Returns the embeddings and their references.
 */
export async function heldPixelsScenario(sdk, { modelUrl, urls }) {
  const model = await sdk.loadModel(modelUrl, { device: 'wasm' });
  const [a, b] = await Promise.all(urls.map(rgbaOf));
  const reference = (await model.embed([{ data: a.data.slice(), width: a.width, height: a.height, channels: 4 }, { data: b.data.slice(), width: b.width, height: b.height, channels: 4 }])).map((e) => Array.from(e));
  const raw = { data: new Uint8Array(a.data), width: a.width, height: a.height, channels: 4 };
  const rawFirst = model.embed(raw);
  raw.data.set(b.data);
  const rawSecond = model.embed(raw);
  const rawBatch = model.embed([raw, urls[0]]);
  raw.data.set(a.data);
  const imageData = new ImageData(new Uint8ClampedArray(a.data), a.width, a.height);
  const dataFirst = model.embed(imageData);
  imageData.data.set(b.data);
  const dataSecond = model.embed(imageData);
  const out = {
    reference,
    raw: [Array.from(await rawFirst), Array.from(await rawSecond), Array.from((await rawBatch)[0])],
    imageData: [Array.from(await dataFirst), Array.from(await dataSecond)],
  };
  await model.dispose();
  return out;
}

/** Runs `fn` and reports the SiameseError it throws (or that it did not throw). */
async function outcome(sdk, fn) {
  try {
    await fn();
    return { threw: false };
  } catch (e) {
    return {
      threw: true,
      siamese: e instanceof sdk.SiameseError,
      code: e?.code,
      message: String(e?.message ?? e),
      details: JSON.parse(JSON.stringify(e?.details ?? {})),
    };
  }
}

/** A PNG whose header claims `width`×`height` pixels (no pixel data follows). */
function pngHeader(width, height) {
  const bytes = new Uint8Array(33);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 6, 0, 0, 0], 24);
  return bytes;
}

/** A first loadModel whose onnxruntime-web files cannot be found (run on a fresh page: ORT's env is per page). */
export async function missingWasmScenario(sdk, { modelUrl, wasmPaths }) {
  try {
    await sdk.loadModel(modelUrl, { device: 'wasm', wasmPaths });
    return { threw: false };
  } catch (e) {
    return { threw: true, siamese: e instanceof sdk.SiameseError, code: e?.code, message: String(e?.message ?? e) };
  }
}

/** Every bad input a user can cause, with the error each produced. */
export async function errorScenario(sdk, { modelUrl, goodImage, missingUrl, badModelUrls = {}, crossOriginImageUrl }) {
  const model = await sdk.loadModel(modelUrl, { device: 'wasm' });
  const good = await (await fetch(goodImage)).blob();
  const goodBytes = new Uint8Array(await good.arrayBuffer());
  const cases = {
    corruptPng: () => model.embed(new Blob([goodBytes.slice(0, 60)])),
    notAnImage: () => model.embed(new Blob(['hello, not an image'], { type: 'text/plain' })),
    emptyBlob: () => model.embed(new Blob([])),
    hugeHeader: () => model.embed(new Blob([pngHeader(100000, 100000)])),
    zeroSizeHeader: () => model.embed(new Blob([pngHeader(0, 10)])),
    missingUrl: () => model.embed(missingUrl),
    unsupportedInput: () => model.embed(42),
    badInBatch: () => model.embed([good, good, new Blob(['junk']), good]),
    emptySupportSet: () => model.supportSet({}),
    emptyLabel: () => model.supportSet({ a: [good], b: [] }),
    rankEmptySupport: () => model.rank(good, {}),
    badModelBytes: () => sdk.loadModel(new Uint8Array([1, 2, 3, 4, 5])),
    missingModelUrl: () => sdk.loadModel(missingUrl),
    nodeOnlyDevice: () => sdk.loadModel(modelUrl, { device: 'cuda' }),
    zeroThreads: () => sdk.loadModel(modelUrl, { threads: 0 }),
    // The same rule as in Node (core's resolveThreads): an error, not a warning and one thread.
    tooManyThreads: () => sdk.loadModel(modelUrl, { threads: 1000 }),
    // A fp32 model's bytes where int8-qdq is asked for: the message names the model once.
    dtypeMismatchBytes: async () => sdk.loadModel(new Uint8Array(await (await fetch(modelUrl)).arrayBuffer()), { dtype: 'int8-qdq', device: 'wasm' }),
    // Raw images are told by their property names; their contents are then checked in Node's order.
    rawFloat32Data: () => model.embed({ data: new Float32Array(4), width: 2, height: 2, channels: 1 }),
    hugeRawShortData: () => model.embed({ data: new Uint8Array(10), width: 100000, height: 100000, channels: 1 }),
    malformedDataUrl: () => model.embed('data:image/png;base64'),
    foreignSupportJSON: async () => {
      const set = await model.supportSet({ a: [good] });
      const json = set.toJSON();
      json.model.fingerprint = '0000000000000000';
      return model.supportSetFromJSON(json);
    },
    // Valid ONNX files we must refuse (no metadata, graph disagreeing with it, …), by name.
    ...Object.fromEntries(Object.entries(badModelUrls).map(([name, url]) => [name, () => sdk.loadModel(url, { device: 'wasm' })])),
  };
  if (typeof document !== 'undefined' && crossOriginImageUrl) {
    cases.crossOriginNoCors = async () => {
      const img = new Image();
      img.src = crossOriginImageUrl;
      await img.decode(); // it displays fine; only reading its pixels is forbidden
      return model.embed(img);
    };
  }
  if (typeof document !== 'undefined') {
    cases.zeroSizeCanvas = () => {
      const c = document.createElement('canvas');
      c.width = 0;
      c.height = 10;
      return model.embed(c);
    };
  }
  const tooSmallLimit = await sdk.loadModel(modelUrl, { device: 'wasm', maxPixels: 1000, fetch: { timeoutMs: 500, maxBytes: 1_000_000 } });
  cases.overPixelLimit = () => tooSmallLimit.embed(good);
  cases.fetchTimeout = () => tooSmallLimit.embed('/slow/image.png');
  cases.fetchTooLarge = () => tooSmallLimit.embed('/big/image.png');
  cases.dataUrlTooLarge = () => tooSmallLimit.embed(`data:application/octet-stream;base64,${'A'.repeat(1_500_000)}`);
  const results = {};
  for (const [name, fn] of Object.entries(cases)) results[name] = await outcome(sdk, fn);
  // The model stays usable after every error above.
  results.stillWorks = await outcome(sdk, () => model.embed(good));
  await tooSmallLimit.dispose();
  await model.dispose();
  results.afterDispose = await outcome(sdk, () => model.embed(good));
  return results;
}
