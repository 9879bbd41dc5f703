/**
 * Property-based fuzzing (fast-check) of every parser that sees untrusted input: preprocessing of raw images,
 * model metadata, image headers and stored support sets. Each property says: any input ends in a valid result
 * or a typed SiameseError — never another exception, a NaN, or a wrong-length tensor.
 *
 * Runs FUZZ_RUNS cases per property (default 300; `pnpm test:soak` sets 5000). Seeds are fixed so a failure
 * reproduces; FUZZ_SEED overrides it.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SiameseError,
  SupportSet,
  checkImageHeader,
  parseModelMetadata,
  preprocessImage,
  readImageHeader,
  validateModelMetadata,
  type PreprocessTarget,
  type RawImage,
  type SiameseErrorCode,
} from '../src/index.js';
import { makeModel, squareImage, tinyMetadata } from './helpers.js';

const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const params = { numRuns: NUM_RUNS, seed: SEED };

/** Runs `f`; returns its value, or the SiameseError it threw when its code is one of `codes`; rethrows anything else. */
function typedOrValue<T>(f: () => T, codes: SiameseErrorCode[]): T | SiameseError {
  try {
    return f();
  } catch (error) {
    if (error instanceof SiameseError && codes.includes(error.code)) return error;
    throw new Error(`expected a SiameseError with code ${codes.join('|')}, got ${String(error)}`, { cause: error });
  }
}

const rawImage = fc
  .record({ width: fc.integer({ min: 1, max: 48 }), height: fc.integer({ min: 1, max: 48 }), channels: fc.constantFrom(1, 2, 3, 4), seed: fc.integer() })
  .map(({ width, height, channels, seed }): RawImage => {
    // Deterministic pixels from the seed: cheaper than an arbitrary per byte and just as hostile to the math.
    const data = new Uint8Array(width * height * channels);
    let s = seed >>> 0;
    for (let i = 0; i < data.length; i++) data[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
    return { data, width, height, channels: channels as RawImage['channels'] };
  });

const target = fc
  .record({
    width: fc.integer({ min: 1, max: 40 }),
    height: fc.integer({ min: 1, max: 40 }),
    channels: fc.constantFrom(1, 3),
    resize: fc.constantFrom('area', 'bilinear', 'nearest'),
    background: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
    invert: fc.boolean(),
    mean: fc.double({ min: -2, max: 2, noNaN: true }),
    std: fc.double({ min: 0.01, max: 10, noNaN: true }),
  })
  .map(
    (t): PreprocessTarget => ({
      input: { width: t.width, height: t.height, channels: t.channels as 1 | 3 },
      preprocess: {
        resize: t.resize as 'area',
        background: t.background,
        invert: t.invert,
        mean: Array<number>(t.channels).fill(t.mean),
        std: Array<number>(t.channels).fill(t.std),
      },
    }),
  );

describe('fuzz: preprocessing', () => {
  it('any well-formed RawImage → finite output of exactly W×H×C values, in both layouts', () => {
    fc.assert(
      fc.property(rawImage, target, fc.constantFrom('chw', 'hwc'), (image, t, layout) => {
        const out = preprocessImage(image, t, { layout: layout as 'chw' });
        expect(out.length).toBe(t.input.width * t.input.height * t.input.channels);
        for (const v of out) if (!Number.isFinite(v)) throw new Error(`non-finite value ${v}`);
      }),
      params,
    );
  });

  it('any malformed image object → IMAGE_EMPTY or INVALID_ARGUMENT, nothing else', () => {
    const junkNumber = fc.oneof(fc.integer({ min: -5, max: 70 }), fc.double(), fc.constantFrom(NaN, Infinity, -0, 2 ** 31, 1e12), fc.string(), fc.constant(undefined));
    const junkData = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 50 }),
      fc.float32Array({ maxLength: 50 }),
      fc.constantFrom(null, undefined, 'pixels', 7),
    );
    const t = { input: { width: 4, height: 4, channels: 1 as const }, preprocess: { resize: 'area' as const, background: [255, 255, 255] as [number, number, number], invert: false, mean: [0], std: [1] } };
    fc.assert(
      fc.property(fc.oneof(fc.record({ width: junkNumber, height: junkNumber, channels: junkNumber, data: junkData }), fc.anything()), (image) => {
        const result = typedOrValue(() => preprocessImage(image as RawImage, t), ['IMAGE_EMPTY', 'INVALID_ARGUMENT']);
        if (!(result instanceof SiameseError)) for (const v of result) expect(Number.isFinite(v)).toBe(true);
      }),
      params,
    );
  });
});

describe('fuzz: model metadata', () => {
  const good = tinyMetadata();

  it('any JSON text → a valid record or MODEL_METADATA', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        typedOrValue(() => parseModelMetadata(text), ['MODEL_METADATA']);
      }),
      params,
    );
  });

  it('a valid record with one field replaced by anything → valid (and then still sane) or MODEL_METADATA', () => {
    const paths: string[][] = [];
    const walk = (v: unknown, p: string[]) => {
      paths.push(p);
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...p, k]);
    };
    walk(good, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.oneof(fc.jsonValue(), fc.constantFrom(NaN, Infinity, -1, 0, 1e9, '__proto__', null)), (path, value) => {
        const copy = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
        let node = copy;
        for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
        node[path[path.length - 1]] = value;
        const result = typedOrValue(() => validateModelMetadata(copy), ['MODEL_METADATA']);
        if (!(result instanceof SiameseError)) {
          // Whatever passes must be usable: positive integer sizes and finite calibration.
          expect(Number.isInteger(result.input.width) && result.input.width > 0).toBe(true);
          expect(Number.isInteger(result.output.size) && result.output.size > 0).toBe(true);
          expect(Number.isFinite(result.calibration.threshold)).toBe(true);
          for (const s of result.preprocess.std) expect(Number.isFinite(s) && s !== 0).toBe(true);
        }
      }),
      params,
    );
  });
});

describe('fuzz: image headers', () => {
  const signatures = [
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    [0xff, 0xd8, 0xff],
    [0x47, 0x49, 0x46, 0x38, 0x39, 0x61],
    [0x42, 0x4d],
    [0x49, 0x49, 0x2a, 0x00],
    [0x4d, 0x4d, 0x00, 0x2a],
    [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
  ];
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.tuple(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 400 })).map(([sig, rest]) => Uint8Array.from([...sig, ...rest])),
  );

  it('any bytes → a header with sane numbers, or IMAGE_EMPTY / IMAGE_UNSUPPORTED_FORMAT / IMAGE_DECODE / IMAGE_TOO_LARGE', () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 1, max: 100_000_000 }), (b, maxPixels) => {
        const header = typedOrValue(() => readImageHeader(b), ['IMAGE_EMPTY', 'IMAGE_UNSUPPORTED_FORMAT', 'IMAGE_DECODE']);
        if (!(header instanceof SiameseError)) {
          for (const n of [header.width, header.height, header.pixels]) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
        }
        const checked = typedOrValue(() => checkImageHeader(b, { maxPixels }), ['IMAGE_EMPTY', 'IMAGE_UNSUPPORTED_FORMAT', 'IMAGE_DECODE', 'IMAGE_TOO_LARGE']);
        if (!(checked instanceof SiameseError)) expect(checked.pixels <= maxPixels && checked.width > 0 && checked.height > 0).toBe(true);
      }),
      params,
    );
  });
});

describe('fuzz: stored support sets', () => {
  afterAll(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a stored set with any one field replaced, or any JSON at all → a sane set or SUPPORT_SET_INVALID; no prototype pollution', async () => {
    const model = makeModel();
    const good = (await model.supportSet({ a: [squareImage(0, 0), squareImage(1, 1)], b: squareImage(5, 5) })).toJSON();
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]) => {
      paths.push(p);
      if (Array.isArray(v)) v.forEach((c, i) => walk(c, [...p, i]));
      else if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...p, k]);
    };
    walk(good, []);
    const hostile = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(NaN, Infinity, -Infinity, 1e308, '__proto__', 'constructor', 'x'.repeat(5000), [], {}, null),
      fc.constant(JSON.parse('{"__proto__":{"polluted":true}}') as unknown),
    );
    const check = (payload: unknown) => {
      const set = typedOrValue(() => SupportSet.fromJSON(model, payload as string), ['SUPPORT_SET_INVALID']);
      if (!(set instanceof SiameseError)) {
        for (const label of set.labels) {
          for (const e of set.embeddingsOf(label)) {
            expect(e.length).toBe(4);
            const norm = Math.hypot(...e);
            expect(Math.abs(norm - 1)).toBeLessThan(1e-2);
          }
        }
      }
    };
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), hostile, fc.boolean(), (path, value, asText) => {
        const copy = JSON.parse(JSON.stringify(good)) as Record<string | number, unknown>;
        let node = copy;
        for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
        Object.defineProperty(node, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
        check(asText ? JSON.stringify(copy) : copy);
      }),
      params,
    );
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => check(text)),
      params,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
