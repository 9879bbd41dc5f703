// The site the e2e tests and the bench load: the built SDK, onnxruntime-web's files, the test harness pages, the
// built demo, and the repo's Omniglot images and models, all from one 127.0.0.1 origin.
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';

export const PKG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = path.resolve(PKG_DIR, '../..');
export const ORT_DIST = realpathSync(path.join(PKG_DIR, 'node_modules/onnxruntime-web/dist'));

/**
 * @param {{ isolated?: boolean, defaultModel?: string }} options isolated: send COOP/COEP so pages are cross-origin
 *   isolated (wasm threads). defaultModel: a model file to serve as the SDK's default model (/sdk/models/…).
 */
export function startTestSite({ isolated = false, defaultModel } = {}) {
  return startServer({
    isolated,
    mounts: {
      '/ort/': ORT_DIST,
      '/sdk/': path.join(PKG_DIR, 'dist'),
      // The worker's copy of index.js (handler below) imports its chunks relatively: they are served beside it as built.
      '/sdk-worker/': path.join(PKG_DIR, 'dist'),
      '/pages/': path.join(PKG_DIR, 'e2e/pages'),
      '/demo/': path.join(PKG_DIR, 'dist-demo'),
      '/examples/': path.join(REPO_DIR, 'examples'),
      '/fixtures/': path.join(REPO_DIR, 'fixtures'),
      '/models/': path.join(REPO_DIR, 'models'),
    },
    handlers: {
      // The default model beside the bundle (dist/models/ holds it only once the trained model exists).
      ...(defaultModel ? { '/sdk/models/omniglot-conv4.onnx': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(readFileSync(defaultModel));
      } } : {}),
      // For the fetch-limit tests: a response that starts too late, and a body too large that does not say so up front.
      '/slow/image.png': (_req, res) => {
        const timer = setTimeout(() => res.writeHead(200, { 'Content-Type': 'image/png' }).end(), 5_000);
        res.on('close', () => clearTimeout(timer));
      },
      '/big/image.png': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'image/png' }); // chunked: no Content-Length
        const chunk = Buffer.alloc(64 * 1024);
        for (let i = 0; i < 32; i++) res.write(chunk);
        res.end();
      },
      // Workers have no import maps: serve the bundle with its one bare specifier resolved, as a bundler would.
      '/sdk-worker/index.js': (_req, res) => {
        const code = readFileSync(path.join(PKG_DIR, 'dist/index.js'), 'utf8').replace(/(from\s*|import\s*\(?\s*)(["'])onnxruntime-web\2/g, '$1$2/ort/ort.min.mjs$2');
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(code);
      },
    },
  });
}
