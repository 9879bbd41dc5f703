import { Blob, File } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Jimp } from 'jimp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SiameseModel, closeDecodePool, loadModel } from '../src/index.js';
import { characterImages, errorOf, exampleQuery, mechanicsModel, startServer, tempDir } from './helpers.js';

let model: SiameseModel;
const dir = tempDir();
const pngPath = exampleQuery(3);
const png = readFileSync(pngPath);

beforeAll(async () => {
  model = await loadModel(mechanicsModel(), { device: 'cpu' });
});
afterAll(async () => {
  await model.dispose();
  await closeDecodePool();
});

function write(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Every byte as %XX except letters and digits, which stay as they are (both occur in a real data: URL). */
function percentEncode(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

/** The example query `n` as raw 1-channel pixels (a fresh buffer). */
async function grayPixels(n: number): Promise<{ data: Uint8Array; width: number; height: number; channels: 1 }> {
  const { data, width, height } = (await Jimp.read(exampleQuery(n))).bitmap;
  return { data: new Uint8Array(width * height).map((_, i) => data[i * 4]), width, height, channels: 1 };
}

/** A PNG header claiming `w × h` pixels followed by garbage: a decompression bomb as far as a decoder knows. */
function pngClaiming(w: number, h: number): Buffer {
  const head = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const size = Buffer.alloc(8);
  size.writeUInt32BE(w, 0);
  size.writeUInt32BE(h, 4);
  return Buffer.concat([head, size, Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(64, 7)]);
}

describe('every image input form gives the same embedding', () => {
  it('path, file URL (object and string), Buffer, Uint8Array, ArrayBuffer, Blob, File, http URL, data: URLs, jimp image, raw RGBA and raw gray', async () => {
    const reference = await model.embed(pngPath);
    const jimpImage = await Jimp.read(pngPath);
    const { data, width, height } = jimpImage.bitmap;
    const gray = new Uint8Array(width * height).map((_, i) => data[i * 4]);
    const server = await startServer({ '/q.png': (_q, res) => res.end(png) });
    try {
      const forms: [string, unknown][] = [
        ['path', pngPath],
        ['file URL', pathToFileURL(pngPath)],
        ['file URL string', pathToFileURL(pngPath).href],
        ['Buffer', png],
        ['Uint8Array', new Uint8Array(png)],
        ['ArrayBuffer', new Uint8Array(png).buffer],
        // The forms the web SDK takes too (Node 20 has Blob and File; data: URLs are decoded, not read as paths).
        ['Blob', new Blob([png], { type: 'image/png' })],
        ['File', new File([png], 'q.png', { type: 'image/png' })],
        ['data: URL (base64)', `data:image/png;base64,${png.toString('base64')}`],
        ['data: URL (percent-encoded)', `data:image/png,${percentEncode(png)}`],
        ['data: URL object', new URL(`data:;base64,${png.toString('base64')}`)],
        ['http URL string', server.url('/q.png')],
        ['URL object', new URL(server.url('/q.png'))],
        ['jimp image', jimpImage],
        ['raw RGBA', { data: new Uint8Array(data), width, height, channels: 4 }],
        ['raw gray', { data: gray, width, height, channels: 1 }],
      ];
      for (const [name, input] of forms) {
        const e = await model.embed(input as never);
        expect(Array.from(e), name).toEqual(Array.from(reference));
      }
      // The same forms in one batch (decoded on the worker pool) agree too.
      const batch = await model.embed(forms.map(([, input]) => input) as never[]);
      batch.forEach((e, i) => expect(Array.from(e), `batch: ${forms[i][0]}`).toEqual(Array.from(reference)));
    } finally {
      await server.close();
    }
  });

  it('PNG, BMP, GIF and TIFF encodings of the same pixels embed identically; JPEG closely', async () => {
    const image = await Jimp.read(pngPath);
    const reference = await model.embed(pngPath);
    for (const mime of ['image/bmp', 'image/gif', 'image/tiff'] as const) {
      const bytes = await image.getBuffer(mime);
      expect(Array.from(await model.embed(bytes)), mime).toEqual(Array.from(reference));
    }
    const jpeg = await model.embed(await image.getBuffer('image/jpeg', { quality: 95 }));
    expect(model.compareEmbeddings(jpeg, reference).similarity).toBeGreaterThan(0.98);
  });

  it('PNGs with colour and alpha decode to the same pixels as jimp gives', async () => {
    const image = new Jimp({ width: 40, height: 30, color: 0xff000080 });
    for (let x = 0; x < 40; x++) for (let y = 0; y < 30; y++) image.setPixelColor((((x * 6) << 24) | ((y * 8) << 16) | (((x + y) * 3) << 8) | ((x * y) % 256)) >>> 0, x, y);
    const bytes = await image.getBuffer('image/png');
    const decoded = await Jimp.fromBuffer(bytes);
    expect(Array.from(await model.embed(bytes))).toEqual(Array.from(await model.embed(decoded)));
  });

  it('decoding on worker threads (large batch) equals decoding inline (small calls)', async () => {
    const files = characterImages('Manipuri', 3, 12);
    const pooled = await model.embed(files);
    for (let i = 0; i < files.length; i++) expect(Array.from(pooled[i])).toEqual(Array.from(await model.embed(files[i])));
  });

  it('leaves the caller’s buffers, arrays and pixel objects untouched', async () => {
    const bytes = new Uint8Array(png);
    const raw = { data: new Uint8Array(105 * 105).fill(200), width: 105, height: 105, channels: 1 as const };
    const inputs = [bytes, raw, bytes, bytes, raw];
    const before = [bytes.slice(), raw.data.slice()];
    await model.embed(inputs);
    await model.embed(bytes);
    expect(bytes).toEqual(before[0]);
    expect(raw.data).toEqual(before[1]);
    expect(inputs).toHaveLength(5);
    expect(bytes.buffer.byteLength).toBe(png.length); // not transferred away to a worker
  });
});

describe('pixels the caller holds are read when the call is made', () => {
  it('one raw buffer reused for successive frames: each call embeds the frame it was given (single calls, batches, similarity, rank)', async () => {
    const [a, b] = [await grayPixels(1), await grayPixels(2)];
    const [expectA, expectB] = [await model.embed({ ...a, data: a.data.slice() }), await model.embed({ ...b, data: b.data.slice() })];
    expect(Array.from(expectA)).not.toEqual(Array.from(expectB));
    const frame = { data: new Uint8Array(a.data.length), width: a.width, height: a.height, channels: 1 as const };
    frame.data.set(a.data);
    const first = model.embed(frame);
    frame.data.set(b.data); // the next frame, into the same buffer, before the first call has finished
    const second = model.embed(frame);
    frame.data.set(a.data);
    expect(Array.from(await first)).toEqual(Array.from(expectA));
    expect(Array.from(await second)).toEqual(Array.from(expectB));
    // A batch (its images decoded after the call returns) and the two-image and rank calls read the frame at call time too.
    const batch = model.embed([frame, exampleQuery(3)]);
    const pair = model.similarity(frame, exampleQuery(3));
    const set = await model.supportSet({ a: [{ ...a, data: a.data.slice() }], b: [{ ...b, data: b.data.slice() }] });
    const ranked = model.rank(frame, { a: [exampleQuery(1)], b: [exampleQuery(2)] }, { k: 2 });
    const rankedInSet = set.rank(frame);
    frame.data.set(b.data);
    expect(Array.from((await batch)[0])).toEqual(Array.from(expectA));
    expect((await pair).similarity).toBeCloseTo(model.compareEmbeddings(expectA, await model.embed(exampleQuery(3))).similarity, 6);
    expect((await ranked).best.score).toBeCloseTo((await model.rank(exampleQuery(1), { a: [exampleQuery(1)], b: [exampleQuery(2)] })).best.score, 6);
    expect((await rankedInSet).best.label).toBe('a');
  });

  it('a jimp image changed after the call still embeds as it was', async () => {
    const image = await Jimp.read(exampleQuery(1));
    const expected = await model.embed(exampleQuery(1));
    const other = (await Jimp.read(exampleQuery(2))).bitmap.data;
    const pending = model.embed(image);
    image.bitmap.data.set(other);
    expect(Array.from(await pending)).toEqual(Array.from(expected));
  });
});

describe('bad images → typed errors naming the image', () => {
  it('corrupt and truncated images → IMAGE_DECODE', async () => {
    const truncated = png.subarray(0, Math.floor(png.length / 2));
    expect((await errorOf(() => model.embed(truncated))).code).toBe('IMAGE_DECODE');
    const flipped = Buffer.from(png);
    for (let i = 40; i < flipped.length; i += 7) flipped[i] ^= 0xff;
    expect((await errorOf(() => model.embed(flipped))).code).toBe('IMAGE_DECODE');
    const jpeg = await (await Jimp.read(pngPath)).getBuffer('image/jpeg');
    expect((await errorOf(() => model.embed(jpeg.subarray(0, 20)))).code).toBe('IMAGE_DECODE');
  });

  it('unsupported formats → IMAGE_UNSUPPORTED_FORMAT', async () => {
    const text = await errorOf(() => model.embed(write('notes.png', 'just some text')));
    expect(text.code).toBe('IMAGE_UNSUPPORTED_FORMAT');
    // The formats jimp decodes, not WebP (recognised, then refused by name below).
    expect(text.message).toMatch(/not a supported image format \(expected PNG, JPEG, GIF, BMP or TIFF\)$/);
    const webp = Buffer.from('RIFF\x1e\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x09\x00\x00', 'latin1');
    const error = await errorOf(() => model.embed(webp));
    expect(error.code).toBe('IMAGE_UNSUPPORTED_FORMAT');
    expect(error.message).toMatch(/WebP/);
  });

  it('zero-byte files and zero-sized images → IMAGE_EMPTY', async () => {
    expect((await errorOf(() => model.embed(write('empty.png', '')))).code).toBe('IMAGE_EMPTY');
    expect((await errorOf(() => model.embed(pngClaiming(0, 10)))).code).toBe('IMAGE_EMPTY');
    expect((await errorOf(() => model.embed({ data: new Uint8Array(0), width: 0, height: 0, channels: 1 }))).code).toBe('IMAGE_EMPTY');
  });

  it('headers over the pixel limit → IMAGE_TOO_LARGE before decoding; the limit is configurable', async () => {
    const bomb = pngClaiming(100_000, 100_000);
    const started = performance.now();
    const error = await errorOf(() => model.embed(bomb));
    expect(error.code).toBe('IMAGE_TOO_LARGE');
    expect(error.message).toMatch(/100000×100000/);
    expect(performance.now() - started).toBeLessThan(1000);
    // Through the worker pool as well.
    const pooled = await errorOf(() => model.embed([pngPath, pngPath, pngPath, write('bomb.png', bomb)]));
    expect(pooled).toMatchObject({ code: 'IMAGE_TOO_LARGE', details: { index: 3 } });
    // A 38-byte GIF whose only frame claims 60000 × 60000 inside a 1 × 1 screen (jimp would loop for a minute).
    const gifBomb = Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 0x60, 0xea, 0x60, 0xea, 0x80, 0, 0, 0, 255, 255, 255, 2, 2, 0x44, 0x01, 0, 0x3b]);
    const gifStarted = performance.now();
    expect((await errorOf(() => model.embed(gifBomb))).code).toBe('IMAGE_TOO_LARGE');
    expect(performance.now() - gifStarted).toBeLessThan(1000);
    const strict = await loadModel(mechanicsModel(), { maxPixels: 100 * 100 });
    const overLimit = await errorOf(() => strict.embed(pngPath)); // 105 × 105 > 10,000
    expect(overLimit.code).toBe('IMAGE_TOO_LARGE');
    // A limit under a megapixel is stated in pixels (in megapixels both read "0.0").
    expect(overLimit.message).toMatch(/105×105 = 11025 pixels, over the limit of 10000 \(option maxPixels\)/);
    expect(await strict.embed({ data: new Uint8Array(28 * 28), width: 28, height: 28, channels: 1 })).toHaveLength(strict.embeddingSize);
    // Pixels the caller holds are held to the limit too (they were once let through): raw and jimp images.
    const small = { data: new Uint8Array(28 * 28), width: 28, height: 28, channels: 1 as const };
    const rawBig = await errorOf(() => strict.embed([small, { data: new Uint8Array(200 * 200), width: 200, height: 200, channels: 1 }]));
    expect(rawBig).toMatchObject({ code: 'IMAGE_TOO_LARGE', details: { index: 1, width: 200, height: 200, maxPixels: 10_000 } });
    const jimpImage = await Jimp.read(pngPath);
    expect((await errorOf(() => strict.embed(jimpImage))).code).toBe('IMAGE_TOO_LARGE');
    await strict.dispose();
  });

  it('missing files → NOT_FOUND; directories and non-images → INVALID_ARGUMENT', async () => {
    const missing = await errorOf(() => model.embed(join(dir, 'missing.png')));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.details.path).toBe(join(dir, 'missing.png'));
    expect((await errorOf(() => model.embed(dir))).code).toBe('INVALID_ARGUMENT');
    for (const bad of [42, null, {}, { data: [1, 2, 3], width: 1, height: 3, channels: 1 }, '', Symbol('x')]) {
      expect((await errorOf(() => model.embed(bad as never))).code).toBe('INVALID_ARGUMENT');
    }
    expect((await errorOf(() => model.embed({ data: new Uint8Array(5), width: 2, height: 2, channels: 1 }))).code).toBe('INVALID_ARGUMENT');
  });

  it('a raw image with the wrong data type is named as such, not as "not an image input"', async () => {
    const error = await errorOf(() => model.embed({ data: new Float32Array(4), width: 2, height: 2, channels: 1 } as never));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/data must be a Uint8Array or Uint8ClampedArray, got Float32Array/);
    expect((await errorOf(() => model.embed([exampleQuery(1), { data: new Float32Array(4), width: 2, height: 2, channels: 1 } as never]))).details).toMatchObject({ index: 1 });
  });

  it('a huge raw image with short data is IMAGE_TOO_LARGE (its size is checked before its data, as on the web)', async () => {
    const error = await errorOf(() => model.embed({ data: new Uint8Array(10), width: 100_000, height: 100_000, channels: 1 }));
    expect(error).toMatchObject({ code: 'IMAGE_TOO_LARGE', details: { width: 100_000, height: 100_000 } });
  });

  it('data: URLs: malformed → INVALID_ARGUMENT; over fetch.maxBytes → FETCH_TOO_LARGE; not an image → IMAGE_UNSUPPORTED_FORMAT', async () => {
    const noComma = await errorOf(() => model.embed('data:image/png;base64'));
    expect(noComma.code).toBe('INVALID_ARGUMENT');
    expect(noComma.message).toMatch(/data: URL/);
    expect((await errorOf(() => model.embed('data:image/png;base64,!!!not base64!!!'))).code).toBe('INVALID_ARGUMENT');
    expect((await errorOf(() => model.embed('data:text/plain,hello'))).code).toBe('IMAGE_UNSUPPORTED_FORMAT');
    const limited = await loadModel(mechanicsModel(), { fetch: { maxBytes: 100 } });
    try {
      const error = await errorOf(() => limited.embed(`data:image/png;base64,${png.toString('base64')}`));
      expect(error).toMatchObject({ code: 'FETCH_TOO_LARGE', details: { maxBytes: 100 } });
      expect(String(error.details.url).length).toBeLessThan(60); // a short form of the URL, not all of it
    } finally {
      await limited.dispose();
    }
  });

  it('one bad image in a batch names its index and path; nothing else is affected', async () => {
    const files = characterImages('Tengwar', 2, 8);
    const bad = write('bad.png', png.subarray(0, 100));
    const batch = [...files.slice(0, 5), bad, ...files.slice(5)];
    const error = await errorOf(() => model.embed(batch));
    expect(error.code).toBe('IMAGE_DECODE');
    expect(error.details).toMatchObject({ index: 5, path: bad });
    expect(error.message).toContain('image 5');
    expect(error.message).toContain('bad.png');
    expect(batch[5]).toBe(bad);
    expect(await model.embed(files)).toHaveLength(8); // the model keeps working
  });
});

describe('URLs: limits on time, size, redirects and protocol', () => {
  it('times out a server that never answers, and one that never finishes its body', async () => {
    const server = await startServer({
      '/silent': () => undefined,
      '/dribble': (_q, res) => {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(png.subarray(0, 10));
      },
    });
    try {
      const limited = await loadModel(mechanicsModel(), { fetch: { timeoutMs: 300 } });
      for (const path of ['/silent', '/dribble']) {
        const started = performance.now();
        const error = await errorOf(() => limited.embed(server.url(path)));
        expect(error.code, path).toBe('FETCH_TIMEOUT');
        expect(error.details.url).toBe(server.url(path));
        expect(performance.now() - started).toBeLessThan(3000);
      }
      await limited.dispose();
    } finally {
      await server.close();
    }
  });

  it('refuses bodies over the size limit (declared or streamed), too many redirects, HTTP errors and other protocols', async () => {
    const big = Buffer.alloc(64 * 1024, 1);
    const server = await startServer({
      '/declared': (_q, res) => res.end(big),
      '/chunked': (_q, res) => {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        for (let i = 0; i < 16; i++) res.write(big.subarray(0, 8192));
        res.end();
      },
      '/loop': (_q, res) => res.writeHead(302, { location: '/loop' }).end(),
      '/hop': (_q, res) => res.writeHead(301, { location: '/image.png' }).end(),
      '/image.png': (_q, res) => res.end(png),
      '/gone': (_q, res) => res.writeHead(410).end(),
    });
    try {
      const limited = await loadModel(mechanicsModel(), { fetch: { maxBytes: 32 * 1024 } });
      expect((await errorOf(() => limited.embed(server.url('/declared')))).code).toBe('FETCH_TOO_LARGE');
      expect((await errorOf(() => limited.embed(server.url('/chunked')))).code).toBe('FETCH_TOO_LARGE');
      const loop = await errorOf(() => limited.embed(server.url('/loop')));
      expect(loop.code).toBe('FETCH_FAILED');
      expect(loop.message).toMatch(/redirects/);
      expect(Array.from(await limited.embed(server.url('/hop')))).toEqual(Array.from(await limited.embed(pngPath)));
      expect((await errorOf(() => limited.embed(server.url('/gone')))).message).toMatch(/HTTP 410/);
      expect(await errorOf(() => limited.embed(server.url('/gone')))).toMatchObject({ code: 'FETCH_FAILED', details: { status: 410 } });
      // 404 is NOT_FOUND, as for a missing file and in the web SDK.
      expect(await errorOf(() => limited.embed(server.url('/no-such.png')))).toMatchObject({ code: 'NOT_FOUND', details: { status: 404, url: server.url('/no-such.png') } });
      expect((await errorOf(() => limited.embed('ftp://127.0.0.1/x.png'))).code).toBe('FETCH_FAILED');
      // data: URLs are not fetched but decoded (as in the web SDK): these three zero bytes are no image format.
      expect((await errorOf(() => limited.embed(new URL('data:image/png;base64,AAAA')))).code).toBe('IMAGE_UNSUPPORTED_FORMAT');
      expect((await errorOf(() => limited.embed('http://127.0.0.1:1/refused.png'))).code).toBe('FETCH_FAILED');
      await limited.dispose();
    } finally {
      await server.close();
    }
  });
});
