import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_FETCH_LIMITS, DEFAULT_MODEL_FETCH_LIMITS, SiameseError, resolveFetchLimits } from '../src/index.js';

describe('resolveFetchLimits', () => {
  it('merges per key: given values win, missing and undefined keys keep the defaults', () => {
    expect(resolveFetchLimits(undefined, DEFAULT_IMAGE_FETCH_LIMITS)).toEqual({ maxBytes: 20 * 1024 * 1024, timeoutMs: 10_000, maxRedirects: 3 });
    expect(resolveFetchLimits({ maxBytes: undefined, timeoutMs: undefined }, DEFAULT_MODEL_FETCH_LIMITS)).toEqual(DEFAULT_MODEL_FETCH_LIMITS);
    expect(resolveFetchLimits({ timeoutMs: 2500.5, maxRedirects: 0 }, DEFAULT_MODEL_FETCH_LIMITS)).toEqual({ maxBytes: 512 * 1024 * 1024, timeoutMs: 2500.5, maxRedirects: 0 });
    // Extra keys (the web decoder passes { maxPixels, ...limits }) are ignored, and the defaults are not mutated.
    expect(resolveFetchLimits({ maxBytes: 10, maxPixels: 5 } as object, DEFAULT_IMAGE_FETCH_LIMITS).maxBytes).toBe(10);
    expect(DEFAULT_IMAGE_FETCH_LIMITS.maxBytes).toBe(20 * 1024 * 1024);
  });

  it('refuses values that are no limit, naming the key', () => {
    const cases: Array<[object, string]> = [
      [{ maxBytes: 0 }, 'maxBytes'],
      [{ maxBytes: -1 }, 'maxBytes'],
      [{ maxBytes: 1.5 }, 'maxBytes'],
      [{ maxBytes: Infinity }, 'maxBytes'],
      [{ timeoutMs: 0 }, 'timeoutMs'],
      [{ timeoutMs: Number.NaN }, 'timeoutMs'],
      [{ timeoutMs: 2 ** 31 }, 'timeoutMs'], // setTimeout would fire at once
      [{ maxRedirects: -1 }, 'maxRedirects'],
      [{ maxRedirects: '3' }, 'maxRedirects'],
    ];
    for (const [limits, key] of cases) {
      let error: unknown;
      try {
        resolveFetchLimits(limits, DEFAULT_IMAGE_FETCH_LIMITS);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(limits)).toBeInstanceOf(SiameseError);
      expect((error as SiameseError).code).toBe('INVALID_ARGUMENT');
      expect((error as SiameseError).message).toContain(`fetch.${key}`);
    }
    expect(() => resolveFetchLimits(null as unknown as object, DEFAULT_IMAGE_FETCH_LIMITS)).toThrow(/fetch must be an object/);
    expect(() => resolveFetchLimits('fast' as unknown as object, DEFAULT_IMAGE_FETCH_LIMITS)).toThrow(/fetch must be an object/);
  });
});
