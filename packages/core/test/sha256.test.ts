import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { modelFingerprint, sha256Hex } from '../src/index.js';

describe('sha256', () => {
  it('matches the standard test vectors and node:crypto at every padding boundary', () => {
    expect(sha256Hex(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (const n of [1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 255);
      expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(modelFingerprint(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea');
  });
});
