/**
 * Downloads a file over http(s) to a path, following redirects (GitHub's /raw/ URLs redirect twice), reporting
 * progress, writing to a temp file and renaming on success so an interrupted download is never mistaken for a
 * complete one. Only used when the user asks for it (`--download`); tests run it against a loopback server.
 */
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { dirname } from 'node:path';
import { SiameseError } from '@siamese-sdk/core';

export interface DownloadProgress {
  url: string;
  received: number;
  /** From Content-Length; undefined when the server does not say. */
  total?: number;
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  maxRedirects?: number;
  /** Abort when no bytes arrive for this long (ms). Default 60 s. */
  idleTimeoutMs?: number;
}

function request(url: string, idleTimeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const get = url.startsWith('https:') ? httpsGet : url.startsWith('http:') ? httpGet : undefined;
    if (!get) {
      reject(new SiameseError('FETCH_FAILED', `unsupported URL protocol: ${url}`, { url }));
      return;
    }
    const req = get(url, { headers: { 'user-agent': 'siamese-train' } }, resolvePromise);
    req.setTimeout(idleTimeoutMs, () => req.destroy(new SiameseError('FETCH_TIMEOUT', `no response from ${url} for ${idleTimeoutMs} ms`, { url })));
    req.on('error', (e) => reject(e instanceof SiameseError ? e : new SiameseError('FETCH_FAILED', `download of ${url} failed: ${e.message}`, { url }, { cause: e })));
  });
}

export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const maxRedirects = options.maxRedirects ?? 5;
  const idle = options.idleTimeoutMs ?? 60_000;
  let current = url;
  let response: IncomingMessage;
  for (let hop = 0; ; hop++) {
    response = await request(current, idle);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= maxRedirects) throw new SiameseError('FETCH_FAILED', `too many redirects fetching ${url}`, { url });
      current = new URL(response.headers.location, current).toString();
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new SiameseError('FETCH_FAILED', `download of ${current} failed: HTTP ${status}`, { url: current, status });
    }
    break;
  }
  const total = Number(response.headers['content-length']) || undefined;
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.part`;
  const file = createWriteStream(tmp);
  let received = 0;
  try {
    await new Promise<void>((resolvePromise, reject) => {
      response.setTimeout(idle, () => response.destroy(new SiameseError('FETCH_TIMEOUT', `download of ${url} stalled for ${idle} ms`, { url })));
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        options.onProgress?.({ url, received, total });
      });
      response.on('error', reject);
      response.on('aborted', () => reject(new SiameseError('FETCH_FAILED', `download of ${url} was cut off`, { url })));
      file.on('error', reject);
      file.on('finish', resolvePromise);
      response.pipe(file);
    });
    if (total !== undefined && received !== total) {
      throw new SiameseError('FETCH_FAILED', `download of ${url} ended after ${received} of ${total} bytes`, { url });
    }
    renameSync(tmp, dest);
  } catch (e) {
    file.destroy();
    rmSync(tmp, { force: true });
    throw e instanceof SiameseError ? e : new SiameseError('FETCH_FAILED', `download of ${url} failed: ${(e as Error).message}`, { url }, { cause: e });
  }
}
