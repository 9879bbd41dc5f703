/**
 * Hostile servers on 127.0.0.1 against image and model URLs: a slow drip that never stops, an endless fast body,
 * a lying Content-Length, redirect loops and redirects to other protocols, many concurrent slow fetches. No call
 * may hang past its time limit or read past its size limit; every failure is a typed SiameseError naming the URL.
 * (inputs.test.ts covers the basic limits; this file covers the servers that fight back.)
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type SiameseModel } from '../src/index.js';
import { errorOf, exampleQuery, mechanicsModel, startServer } from './helpers.js';

const png = readFileSync(exampleQuery(1));
let server: Awaited<ReturnType<typeof startServer>>;
let model: SiameseModel;
const open = new Set<ServerResponse>();

/** Writes `chunk` every `ms` until the client goes away (then stops: the test must not leak timers). */
function drip(res: ServerResponse, chunk: Buffer, ms: number): void {
  open.add(res);
  const timer = setInterval(() => {
    if (res.destroyed || res.writableEnded) {
      clearInterval(timer);
      open.delete(res);
    } else res.write(chunk);
  }, ms);
  res.on('close', () => {
    clearInterval(timer);
    open.delete(res);
  });
}

beforeAll(async () => {
  server = await startServer({
    '/drip': (_q, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(png.subarray(0, 8));
      drip(res, Buffer.from([0]), 50);
    },
    '/endless': (_q, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      drip(res, Buffer.alloc(64 * 1024, 7), 1);
    },
    '/slow-headers': (q) => {
      // Accepts the connection, never answers; keeps the socket open.
      q.socket.setKeepAlive(true);
    },
    '/lying-length': (_q, res) => {
      // Declares a small body and sends a huge one: the declared size must not be trusted.
      res.writeHead(200, { 'content-length': '100' });
      res.write(Buffer.alloc(64 * 1024, 1));
      res.end();
    },
    '/to-file': (_q, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
    '/to-data': (_q, res) => res.writeHead(302, { location: 'data:image/png;base64,AAAA' }).end(),
    '/ping': (_q, res) => res.writeHead(302, { location: '/pong' }).end(),
    '/pong': (_q, res) => res.writeHead(302, { location: '/ping' }).end(),
    '/slow-redirects': (_q, res) => setTimeout(() => res.writeHead(302, { location: '/slow-redirects-2' }).end(), 250),
    '/slow-redirects-2': (_q, res) => setTimeout(() => res.writeHead(302, { location: '/slow-redirects-3' }).end(), 250),
    '/slow-redirects-3': (_q, res) => setTimeout(() => res.end(png), 250),
    '/image.png': (_q, res) => res.end(png),
  });
  model = await loadModel(mechanicsModel(), { threads: 1, fetch: { timeoutMs: 600, maxBytes: 256 * 1024 } });
});

afterAll(async () => {
  await model?.dispose();
  for (const res of open) res.destroy();
  await server?.close();
});

async function timed(f: () => unknown): Promise<{ code: string; ms: number; url: unknown }> {
  const started = performance.now();
  const error = await errorOf(f);
  return { code: error.code, ms: performance.now() - started, url: error.details.url };
}

describe('hostile servers', () => {
  it('a slow drip that never ends and a server that never answers stop at the time limit', async () => {
    for (const path of ['/drip', '/slow-headers']) {
      const { code, ms, url } = await timed(() => model.embed(server.url(path)));
      expect(code, path).toBe('FETCH_TIMEOUT');
      expect(url).toBe(server.url(path));
      expect(ms, path).toBeLessThan(600 + 1500);
    }
  });

  it('an endless fast body stops at the size limit; a lying Content-Length is not trusted', async () => {
    const endless = await timed(() => model.embed(server.url('/endless')));
    expect(endless.code).toBe('FETCH_TOO_LARGE');
    // Node's parser stops at the declared 100 bytes: the image is those 100 bytes — refused as an image, not read on.
    expect(['IMAGE_DECODE', 'IMAGE_UNSUPPORTED_FORMAT', 'FETCH_FAILED']).toContain((await timed(() => model.embed(server.url('/lying-length')))).code);
  });

  it('redirects to file: or data: URLs and redirect loops are refused', async () => {
    for (const path of ['/to-file', '/to-data', '/ping']) expect((await timed(() => model.embed(server.url(path)))).code, path).toBe('FETCH_FAILED');
  });

  it('the time limit covers the whole redirect chain', async () => {
    const { code, ms } = await timed(() => model.embed(server.url('/slow-redirects')));
    expect(code).toBe('FETCH_TIMEOUT');
    expect(ms).toBeLessThan(600 + 1500);
    const patient = await loadModel(mechanicsModel(), { threads: 1, fetch: { timeoutMs: 5_000 } });
    expect((await patient.embed(server.url('/slow-redirects'))).length).toBe(model.metadata.output.size);
    await patient.dispose();
  });

  it('50 concurrent hostile fetches all end in typed errors within the limit, and the model still works', async () => {
    const paths = ['/drip', '/endless', '/slow-headers', '/ping', '/to-file'];
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => model.embed(server.url(paths[i % paths.length]))));
    expect(performance.now() - started).toBeLessThan(600 + 3000);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(['FETCH_TIMEOUT', 'FETCH_TOO_LARGE', 'FETCH_FAILED']).toContain((r as PromiseRejectedResult).reason.code);
    }
    expect((await model.embed(server.url('/image.png'))).length).toBe(model.metadata.output.size);
  });

  it('a limit passed as undefined keeps its default; a limit that is no limit is refused before anything loads', async () => {
    // { maxBytes: undefined } once replaced the 20 MiB default and let an endless body run until the time limit.
    const lax = await loadModel(mechanicsModel(), { threads: 1, fetch: { maxBytes: undefined, timeoutMs: undefined, maxRedirects: undefined } });
    try {
      const endless = await errorOf(() => lax.embed(server.url('/endless')));
      expect(endless.code).toBe('FETCH_TOO_LARGE');
      expect(endless.details.maxBytes).toBe(20 * 1024 * 1024);
      expect((await errorOf(() => lax.embed(server.url('/ping')))).message).toMatch(/more than 3 redirects/);
    } finally {
      await lax.dispose();
    }
    for (const fetch of [{ maxBytes: -1 }, { maxBytes: 0 }, { timeoutMs: Number.NaN }, { timeoutMs: 2 ** 31 }, { maxRedirects: 'x' as unknown as number }, { maxRedirects: 1.5 }]) {
      const error = await errorOf(() => loadModel(mechanicsModel(), { fetch }));
      expect(error.code, JSON.stringify(fetch)).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(new RegExp(`fetch\\.${Object.keys(fetch)[0]}`));
    }
    expect((await errorOf(() => loadModel(mechanicsModel(), { fetch: 5 as unknown as object }))).code).toBe('INVALID_ARGUMENT');
  });

  it('model URLs obey the same limits (size, time, protocol)', async () => {
    expect((await timed(() => loadModel(server.url('/endless'), { fetch: { maxBytes: 1024 * 1024 } }))).code).toBe('FETCH_TOO_LARGE');
    const drip = await timed(() => loadModel(server.url('/drip'), { fetch: { timeoutMs: 500 } }));
    expect(drip.code).toBe('FETCH_TIMEOUT');
    expect(drip.ms).toBeLessThan(2_000);
    expect((await timed(() => loadModel(server.url('/to-file')))).code).toBe('FETCH_FAILED');
    expect((await timed(() => loadModel(new URL('ftp://127.0.0.1/model.onnx')))).code).toBe('FETCH_FAILED');
  });
});
