import { describe, expect, it } from 'vitest';
import { SiameseError, decodeDataUrl, isDataUrl } from '../src/index.js';

const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x25, 0x2c, 0x20, 0x41]);
const base64 = btoa(String.fromCharCode(...bytes));
const percent = Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function errorOf(f: () => unknown): SiameseError {
  try {
    f();
  } catch (error) {
    if (error instanceof SiameseError) return error;
    throw error;
  }
  throw new Error('expected a SiameseError');
}

describe('data: URLs', () => {
  it('decodes base64 (with whitespace, escapes or without padding) and percent-encoded bodies to the same bytes', () => {
    for (const url of [
      `data:image/png;base64,${base64}`,
      `DATA:;BASE64,${base64.slice(0, 4)} \n${base64.slice(4).replace(/=+$/, '')}`,
      `data:image/png;base64,${base64.replace(/\+/g, '%2B').replace(/\//g, '%2F')}`,
      `data:image/png,${percent}`,
      `data:,${percent.slice(0, 21)}${String.fromCharCode(0x2c, 0x20, 0x41)}`, // ',', ' ', 'A' as themselves
    ]) {
      expect(Array.from(decodeDataUrl(url, 1000)), url).toEqual(Array.from(bytes));
    }
    expect(Array.from(decodeDataUrl('data:,é', 10))).toEqual([0xc3, 0xa9]); // text as UTF-8
    expect(isDataUrl('Data:x')).toBe(true);
    expect(isDataUrl('images/data:x.png')).toBe(false);
  });

  it('malformed is INVALID_ARGUMENT; over maxBytes is FETCH_TOO_LARGE, with a short URL in the details', () => {
    expect(errorOf(() => decodeDataUrl('data:image/png;base64', 100)).code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => decodeDataUrl('data:;base64,@@@@', 100)).code).toBe('INVALID_ARGUMENT');
    const big = `data:;base64,${'A'.repeat(4000)}`;
    const error = errorOf(() => decodeDataUrl(big, 100));
    expect(error).toMatchObject({ code: 'FETCH_TOO_LARGE', details: { maxBytes: 100 } });
    expect(String(error.details.url).length).toBeLessThan(60);
    expect(decodeDataUrl(big, 3000)).toHaveLength(3000);
  });

  it('a URL far over the limit is refused before it is decoded (from the fewest bytes its text can hold)', () => {
    // 40 MB of base64 against a 1 kB limit: refused from the letter count, without running atob on it.
    const huge = `data:;base64,${'QUJD'.repeat(10_000_000)}`;
    expect(errorOf(() => decodeDataUrl(huge, 1024)).message).toMatch(/holds at least 29999998 bytes, over the limit of 1024/);
    // Percent-encoded, with a non-ASCII character (3 output bytes per character at most): refused the same way.
    const percent = `data:,${'é'.repeat(10)}${'%41'.repeat(3_000_000)}`;
    expect(errorOf(() => decodeDataUrl(percent, 1024)).message).toMatch(/holds at least \d+ bytes/);
    // Under the first bound but over the limit once decoded: stopped at the limit, never decoded whole.
    const utf8 = `data:,${'é'.repeat(3000)}`; // 3,000 characters, 6,000 bytes
    expect(errorOf(() => decodeDataUrl(utf8, 2000)).message).toMatch(/holds more than 2000 bytes, over the limit of 2000 bytes/);
    expect(decodeDataUrl(utf8, 6000)).toHaveLength(6000);
    // Escapes in base64 text are not counted by the first bound, and still end over the limit.
    const escaped = `data:;base64,${'%51%55%4A%44'.repeat(2000)}`; // 'QUJD' × 2000 → 6,000 bytes
    expect(errorOf(() => decodeDataUrl(escaped, 1000)).code).toBe('FETCH_TOO_LARGE');
    expect(decodeDataUrl(escaped, 6000)).toHaveLength(6000);
  });
});
