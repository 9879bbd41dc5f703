/**
 * Fetching images and models over http(s) with hard limits: a total time limit (covering slow and endless
 * servers), a size limit (checked against Content-Length and while streaming), a redirect limit, and http(s)
 * only. Uses node:http directly so every limit is enforced here rather than trusted to defaults.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SiameseError, type FetchLimits } from '@siamese-sdk/core';

/** Whether a string is meant as a URL (scheme://...) rather than a file path. */
export function looksLikeUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

export function assertFetchable(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SiameseError('FETCH_FAILED', `only http(s) URLs can be fetched, not ${url.protocol}`, { url: url.href });
  }
}

/** Fetches `target` under `limits`, already resolved (core's `resolveFetchLimits`) so none is left out. */
export async function fetchBytes(target: URL, limits: Required<FetchLimits>): Promise<Uint8Array> {
  const { maxBytes, timeoutMs, maxRedirects } = limits;
  const deadline = Date.now() + timeoutMs;
  let url = target;
  for (let redirects = 0; ; redirects++) {
    assertFetchable(url);
    const response = await get(url, deadline, timeoutMs);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (redirects >= maxRedirects) throw new SiameseError('FETCH_FAILED', `more than ${maxRedirects} redirects`, { url: target.href, maxRedirects });
      url = new URL(response.headers.location, url);
      continue;
    }
    if (status < 200 || status >= 300) {
      response.resume();
      // 404 is NOT_FOUND, as for a missing file and as in the web SDK; other statuses are FETCH_FAILED.
      throw new SiameseError(status === 404 ? 'NOT_FOUND' : 'FETCH_FAILED', `HTTP ${status} from ${url.href}`, { url: url.href, status });
    }
    return readBody(response, url, maxBytes, deadline, timeoutMs);
  }
}

function timeoutError(url: URL, timeoutMs: number): SiameseError {
  return new SiameseError('FETCH_TIMEOUT', `fetching ${url.href} took longer than ${timeoutMs} ms`, { url: url.href, timeoutMs });
}

function get(url: URL, deadline: number, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', headers: { 'user-agent': 'siamese-sdk' } });
    const timer = setTimeout(() => {
      request.destroy();
      reject(timeoutError(url, timeoutMs));
    }, Math.max(0, deadline - Date.now()));
    request.on('response', (response) => {
      clearTimeout(timer);
      resolve(response);
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(new SiameseError('FETCH_FAILED', `could not fetch ${url.href}: ${error.message}`, { url: url.href }, { cause: error }));
    });
    request.end();
  });
}

function readBody(response: IncomingMessage, url: URL, maxBytes: number, deadline: number, timeoutMs: number): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length']);
  const tooLarge = (size: string) => new SiameseError('FETCH_TOO_LARGE', `${url.href} is ${size}, over the limit of ${maxBytes} bytes`, { url: url.href, maxBytes });
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    return Promise.reject(tooLarge(`${declared} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: SiameseError) => {
      clearTimeout(timer);
      response.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(timeoutError(url, timeoutMs)), Math.max(0, deadline - Date.now()));
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) fail(tooLarge('larger'));
      else chunks.push(chunk);
    });
    response.on('end', () => {
      clearTimeout(timer);
      const body = Buffer.concat(chunks, size);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.length));
    });
    response.on('error', (error) => fail(new SiameseError('FETCH_FAILED', `reading ${url.href} failed: ${error.message}`, { url: url.href }, { cause: error })));
  });
}
