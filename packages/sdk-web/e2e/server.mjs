// A small static HTTP server on 127.0.0.1 for the end-to-end tests, the bench and manual demo runs.
// Serves folders under URL prefixes with correct MIME types (.mjs as text/javascript, .wasm as application/wasm: a
// wrong type breaks dynamic import or slows ORT's wasm loading) and, when `isolated`, the COOP/COEP headers that make
// a page cross-origin isolated, which wasm threads need.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The headers that make a document cross-origin isolated (SharedArrayBuffer, hence wasm threads). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * @param {{ mounts: Record<string, string>, isolated?: boolean, port?: number,
 *           handlers?: Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void> }} options
 *   mounts: URL prefix ('/ort/') → folder; the longest matching prefix wins. handlers: exact path → custom response.
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startServer({ mounts, isolated = false, port = 0, handlers = {} }) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const common = { 'Cache-Control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) };
    for (const [name, value] of Object.entries(common)) res.setHeader(name, value);
    const handler = handlers[pathname];
    if (handler) return handler(req, res);
    if (pathname === '/favicon.ico') return res.writeHead(204).end();
    const prefix = prefixes.find((p) => pathname.startsWith(p));
    if (prefix === undefined) return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    const root = path.resolve(mounts[prefix]);
    let file = path.resolve(root, '.' + pathname.slice(prefix.length - 1));
    if (file !== root && !file.startsWith(root + path.sep)) return res.writeHead(403).end('forbidden');
    let stat;
    try {
      stat = statSync(file);
      if (stat.isDirectory()) {
        file = path.join(file, 'index.html');
        stat = statSync(file);
      }
    } catch {
      return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': stat.size,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
