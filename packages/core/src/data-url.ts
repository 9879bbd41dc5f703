/**
 * `data:` URLs as image inputs, decoded the same way in both SDKs (Node has nothing to fetch them with, and a
 * browser's fetch would give other errors and limits): base64 or percent-encoded, held to the image fetch limit
 * (`fetch.maxBytes`) like any other URL's body.
 */
import { SiameseError } from './errors.js';

/** Whether `value` is a data: URL (the scheme, in any case). */
export function isDataUrl(value: string): boolean {
  return value.length >= 5 && value.slice(0, 5).toLowerCase() === 'data:';
}

/** A data: URL as messages and error details name it: they can be megabytes long. */
export function shortDataUrl(url: string): string {
  return url.length > 48 ? `${url.slice(0, 48)}…` : url;
}

/**
 * The bytes a data: URL holds (`data:[<media type>][;base64],<data>`; the media type is not used: formats are told
 * from the bytes). Malformed is INVALID_ARGUMENT; more than `maxBytes` bytes is FETCH_TOO_LARGE.
 */
export function decodeDataUrl(url: string, maxBytes: number): Uint8Array {
  const details = { url: shortDataUrl(url) };
  if (!isDataUrl(url)) throw new SiameseError('INVALID_ARGUMENT', `not a data: URL: ${details.url}`, details);
  const comma = url.indexOf(',');
  if (comma < 0) throw new SiameseError('INVALID_ARGUMENT', `not a valid data: URL (no comma before the data): ${details.url}`, details);
  const base64 = /;\s*base64\s*$/i.test(url.slice(5, comma));
  const body = url.slice(comma + 1);
  const tooLarge = (what: string): never => {
    throw new SiameseError('FETCH_TOO_LARGE', `data: URL holds ${what} bytes, over the limit of ${maxBytes} bytes (option fetch.maxBytes)`, { ...details, maxBytes });
  };
  // Refused before anything is decoded or allocated when even the fewest bytes the text can hold are too many: a
  // huge URL must not cost its full decoding (synchronous: a browser's page would freeze) to be refused.
  const atLeast = base64 ? Math.floor((base64Letters(body) * 3) / 4) - 2 : Math.ceil(body.length / 3);
  if (atLeast > maxBytes) tooLarge(`at least ${atLeast}`);
  let bytes: Uint8Array;
  if (!base64) bytes = percentDecode(body, maxBytes) ?? tooLarge(`more than ${maxBytes}`);
  else {
    // Plain base64 text (the usual case) goes to atob as it is; escapes are decoded first, as fetch does. Every
    // 4 base64 letters make 3 bytes, so the text decoded may hold 4/3 of the limit and some whitespace.
    let text = body;
    if (/[%\u0080-\uffff]/.test(body)) {
      const decoded = percentDecode(body, 2 * Math.ceil((maxBytes * 4) / 3) + 1024) ?? tooLarge(`more than ${maxBytes}`);
      text = '';
      for (let i = 0; i < decoded.length; i += 0x8000) text += String.fromCharCode(...decoded.subarray(i, i + 0x8000));
    }
    let binary: string;
    try {
      binary = atob(text); // forgiving base64, as fetch decodes data: URLs (whitespace and missing padding allowed)
    } catch (error) {
      throw new SiameseError('INVALID_ARGUMENT', `data: URL has invalid base64 data: ${details.url}`, details, { cause: error });
    }
    bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  }
  if (bytes.length > maxBytes) tooLarge(String(bytes.length));
  return bytes;
}

/** Base64 letters outside %XX escapes: each is one letter of the decoded text, so they bound its length below. */
function base64Letters(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) i += 2; // an escape: whatever it decodes to is not counted
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f) n++;
  }
  return n;
}

const encoder = new TextEncoder();

/**
 * %XX escapes as bytes; other characters as their UTF-8 bytes (a URL's text carries no other encoding). Undefined
 * once more than `limit` bytes come out: the buffer never grows past the limit, whatever the text's length.
 */
function percentDecode(text: string, limit: number): Uint8Array | undefined {
  // UTF-8 of one UTF-16 unit is at most 3 bytes (a surrogate pair: 4 for 2); an escape or an ASCII character gives one.
  const out = new Uint8Array(Math.min(/[\u0080-\uffff]/.test(text) ? text.length * 3 : text.length, limit + 4));
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (n > limit) return undefined;
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      out[n++] = parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else if (c < 0x80) {
      out[n++] = c;
    } else {
      // A surrogate pair is encoded together: one code point.
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
      n += encoder.encodeInto(text.slice(i, i + pair), out.subarray(n)).written;
      i += pair - 1;
    }
  }
  return n > limit ? undefined : out.slice(0, n);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
