// Browser half of bench/web-bench.mjs: the same measurements its Node half makes with siamese-sdk.

/** Decoded 28×28 gray images (what a caller holding pixels passes), resized by the browser from the PNGs. */
export async function decoded28(urls) {
  const canvas = new OffscreenCanvas(28, 28);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'high';
  const out = [];
  for (const url of urls) {
    const bitmap = await createImageBitmap(await (await fetch(url)).blob());
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 28, 28);
    ctx.drawImage(bitmap, 0, 0, 28, 28);
    const rgba = ctx.getImageData(0, 0, 28, 28).data;
    out.push({ data: Uint8Array.from({ length: 784 }, (_, i) => rgba[i * 4]), width: 28, height: 28, channels: 1 });
  }
  return out;
}

async function rate(f, seconds) {
  await f();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await f();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * @param {*} sdk the @siamese-sdk/web module
 * @param {{ modelUrl: string, threads: number, pngUrls: string[], support20: Record<string, string>, queryUrl: string, seconds: number, rankCalls: number }} o
 */
export async function bench(sdk, o) {
  const model = await sdk.loadModel(o.modelUrl, { device: 'wasm', threads: o.threads });
  const batch = await decoded28(o.pngUrls.slice(0, model.batchSize));
  const embedDecoded = (await rate(() => model.embed(batch), o.seconds)) * batch.length;
  // Raw onnxruntime-web on same-sized batches (the page's own ORT module, so the same threads): the SDK's overhead.
  const ort = await import('onnxruntime-web');
  const session = await ort.InferenceSession.create(new Uint8Array(await (await fetch(o.modelUrl)).arrayBuffer()), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const { width: W, height: H, channels: C, name } = model.metadata.input;
  const input = new Float32Array(batch.length * C * H * W).fill(0.5);
  const rawOrt = (await rate(() => session.run({ [name]: new ort.Tensor('float32', input, [batch.length, C, H, W]) }), o.seconds)) * batch.length;
  await session.release();
  const blobs = await Promise.all(o.pngUrls.map(async (u) => (await fetch(u)).blob()));
  const embedPng = (await rate(() => model.embed(blobs), o.seconds)) * blobs.length;
  const set = await model.supportSet(o.support20);
  const [query] = await decoded28([o.queryUrl]);
  for (let i = 0; i < 50; i++) await set.rank(query);
  const times = [];
  for (let i = 0; i < o.rankCalls; i++) {
    const t = performance.now();
    await set.rank(query);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const result = {
    device: model.device,
    threads: model.threads,
    batchSize: batch.length,
    embedDecodedPerSec: embedDecoded,
    rawOrtPerSec: rawOrt,
    embedPngPerSec: embedPng,
    pngImages: blobs.length,
    rank20P50Ms: percentile(times, 50),
    rank20P99Ms: percentile(times, 99),
    best: (await set.rank(query))[0].label,
  };
  await model.dispose();
  return { result, batch: batch.map((r) => Array.from(r.data)), query: Array.from(query.data) };
}
