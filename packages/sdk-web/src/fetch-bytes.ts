/**
 * fetch() with the limits the Node SDK applies to URLs: a time limit and a size limit, both typed errors.
 */
import { SiameseError, type FetchLimits } from '@siamese-sdk/core';

function tooLarge(url: string, maxBytes: number): SiameseError {
  return new SiameseError('FETCH_TOO_LARGE', `${url} is larger than the ${maxBytes}-byte limit`, { url, maxBytes });
}

/**
 * Fetches `url` (resolved against the page or worker location) into a Blob, keeping its content type. `limits`
 * come resolved (core's `resolveFetchLimits`), so none is left out; the browser follows redirects itself.
 */
export async function fetchBlob(url: string | URL, limits: Required<FetchLimits>): Promise<Blob> {
  const { timeoutMs, maxBytes } = limits;
  const href = String(url);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal });
    } catch (e) {
      if (timedOut) throw new SiameseError('FETCH_TIMEOUT', `fetching ${href} took longer than ${timeoutMs} ms`, { url: href, timeoutMs });
      throw new SiameseError('FETCH_FAILED', `fetching ${href} failed: ${(e as Error).message}`, { url: href }, { cause: e });
    }
    if (!response.ok) {
      const code = response.status === 404 ? 'NOT_FOUND' : 'FETCH_FAILED';
      throw new SiameseError(code, `fetching ${href} failed: HTTP ${response.status} ${response.statusText}`.trim(), { url: href, status: response.status });
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      controller.abort();
      throw tooLarge(href, maxBytes);
    }
    // Read the stream ourselves so a server that lies about (or omits) its length still cannot exceed the limit.
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = response.body?.getReader();
    if (reader) {
      for (;;) {
        let part: ReadableStreamReadResult<Uint8Array>;
        try {
          part = await reader.read();
        } catch (e) {
          if (timedOut) throw new SiameseError('FETCH_TIMEOUT', `fetching ${href} took longer than ${timeoutMs} ms`, { url: href, timeoutMs });
          throw new SiameseError('FETCH_FAILED', `reading ${href} failed: ${(e as Error).message}`, { url: href }, { cause: e });
        }
        if (part.done) break;
        total += part.value.byteLength;
        if (total > maxBytes) {
          controller.abort();
          throw tooLarge(href, maxBytes);
        }
        chunks.push(part.value);
      }
    }
    return new Blob(chunks as BlobPart[], { type: response.headers.get('content-type') ?? '' });
  } finally {
    clearTimeout(timer);
  }
}

export async function fetchBytes(url: string | URL, limits: Required<FetchLimits>): Promise<Uint8Array> {
  return new Uint8Array(await (await fetchBlob(url, limits)).arrayBuffer());
}
