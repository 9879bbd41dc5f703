import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server, type ServerResponse, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SiameseError } from '../src/index.js';
import { buildLinearModel } from './onnx-builder.js';

export const repoRoot = join(__dirname, '..', '..', '..');
export const examplesDir = join(repoRoot, 'examples');
export const exampleSupport = join(examplesDir, 'support');
export const exampleQuery = (n: number) => join(examplesDir, 'queries', `tengwar-0${n}.png`);
export const miniDir = join(repoRoot, 'fixtures', 'omniglot-eval-mini');

/** The first `count` images of an evaluation character, e.g. ('Tengwar', 1). */
export function characterImages(alphabet: string, character: number, count = 20): string[] {
  const dir = join(miniDir, alphabet, `character${String(character).padStart(2, '0')}`);
  return readdirSync(dir).sort().slice(0, count).map((f) => join(dir, f));
}

/** The exporter's untrained Conv-4 (real architecture, random weights) when committed, else our linear model. */
export const untrainedModelPath = join(repoRoot, 'fixtures', 'models', 'conv4-untrained.onnx');
export function mechanicsModel(): string | Uint8Array {
  return existsSync(untrainedModelPath) ? untrainedModelPath : buildLinearModel();
}

/** The trained default model (the accuracy-flavoured tests run only when it exists). */
export const trainedModelPath = join(repoRoot, 'models', 'omniglot-conv4.onnx');
export const hasTrainedModel = existsSync(trainedModelPath);

export function tempDir(prefix = 'siamese-sdk-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs `f` and returns the SiameseError it rejects with (fails the test if it resolves or throws anything else). */
export async function errorOf(f: () => unknown): Promise<SiameseError> {
  try {
    await f();
  } catch (error) {
    if (!(error instanceof SiameseError)) throw new Error(`expected a SiameseError, got ${String(error)}`, { cause: error });
    return error;
  }
  throw new Error('expected a SiameseError, but the call succeeded');
}

/** A loopback HTTP server with per-path handlers; `url(path)` gives its address. */
export async function startServer(routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>): Promise<{ url(path: string): string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (route) route(req, res);
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
