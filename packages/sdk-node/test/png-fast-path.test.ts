/**
 * The fast PNG path (core's decoder with node:zlib): the same pixels as jimp on real Omniglot files and on generated
 * PNGs of every colour type, bit depth and transparency form it takes; jimp for what it does not take (interlaced,
 * surplus data) with jimp's result; never a file jimp refuses; core's header checks first; and the same embeddings
 * through the SDK (worker pool and inline) as with jimp only.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { Jimp } from 'jimp';
import { afterAll, describe, expect, it } from 'vitest';
import { type RawImage, decodePng, isSiameseError } from '@siamese-sdk/core';
import { decodeImageBytes, nodeInflate } from '../src/decode-bytes.js';
import { closeDecodePool, loadModel } from '../src/index.js';
import { errorOf, mechanicsModel, miniDir } from './helpers.js';
import { type ColorType, DEPTHS, type PngSpec, SAMPLES, chunk, encodePng } from './png-encoder.js';
import { mulberry32 as prng } from '@siamese-sdk/core';

const fast = (bytes: Uint8Array, maxPixels?: number): RawImage => decodePng(bytes, { inflate: nodeInflate, maxPixels });

/** jimp's pixels (RGBA), or the error it throws. */
async function jimpRgba(bytes: Uint8Array): Promise<Uint8Array> {
  const image = await Jimp.fromBuffer(Buffer.from(bytes));
  return new Uint8Array(image.bitmap.data);
}

function toRgba(image: RawImage): Uint8Array {
  const { data, width, height, channels } = image;
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const p = data.subarray(i * channels, i * channels + channels);
    const [r, g, b] = channels >= 3 ? [p[0], p[1], p[2]] : [p[0], p[0], p[0]];
    out.set([r, g, b, channels === 2 || channels === 4 ? p[channels - 1] : 255], 4 * i);
  }
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): string | undefined {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  const i = a.findIndex((v, k) => v !== b[k]);
  return i < 0 ? undefined : `byte ${i}: ${a[i]} vs ${b[i]}`;
}

const omniglotFiles = readdirSync(miniDir).flatMap((alphabet) =>
  readdirSync(join(miniDir, alphabet)).sort().flatMap((c) => readdirSync(join(miniDir, alphabet, c)).sort().map((f) => join(miniDir, alphabet, c, f))),
);

/** Random samples for a spec, with the tRNS colour (when any) planted in some pixels. */
function generated(colorType: ColorType, bitDepth: number, options: { seed: number; trns?: boolean; width?: number; height?: number } & Omit<Partial<PngSpec>, 'trns'>): PngSpec {
  const { seed, trns, width = 13, height = 7, ...rest } = options;
  const random = prng(seed);
  const samples = SAMPLES[colorType];
  const max = 2 ** bitDepth - 1;
  const entries = colorType === 3 ? Math.min(max + 1, 11) : 0;
  const values = Array.from({ length: width * height * samples }, () => Math.floor(random() * (colorType === 3 ? entries : max + 1)));
  // The extremes of the range appear in every image (rounding of 16-bit and low-depth samples is checked at both ends).
  values[0] = colorType === 3 ? entries - 1 : max;
  values[samples] = 0;
  const spec: PngSpec = { width, height, colorType, bitDepth, samples: values, ...rest };
  if (colorType === 3) spec.palette = Array.from({ length: entries * 3 }, () => Math.floor(random() * 256));
  if (trns && colorType === 3) spec.trns = Array.from({ length: entries - 3 }, () => Math.floor(random() * 256));
  if (trns && (colorType === 0 || colorType === 2)) {
    const key = values.slice(samples * 5, samples * 6); // pixel 5's colour, planted again in a few more pixels
    for (const p of [9, 20, 33]) for (let k = 0; k < samples; k++) values[p * samples + k] = key[k];
    spec.trns = key.flatMap((v) => [v >> 8, v & 255]);
  }
  return spec;
}

/** Every colour type × bit depth it allows × with and without tRNS (where the type takes one). */
const COLOR_TYPES: ColorType[] = [0, 2, 3, 4, 6];
const variants: { name: string; spec: PngSpec }[] = COLOR_TYPES.flatMap((colorType) =>
  DEPTHS[colorType].flatMap((bitDepth, i) =>
    [false, true]
      .filter((trns) => !trns || colorType === 0 || colorType === 2 || colorType === 3)
      .map((trns) => ({ name: `colour type ${colorType}, ${bitDepth}-bit${trns ? ', tRNS' : ''}`, spec: generated(colorType, bitDepth, { seed: 100 * colorType + i + (trns ? 50 : 0), trns }) })),
  ),
);

afterAll(() => closeDecodePool());

describe('fast PNG decoder vs jimp', () => {
  it('gives jimp’s pixels on every Omniglot fixture (1-bit gray, 105×105)', async () => {
    expect(omniglotFiles.length).toBeGreaterThanOrEqual(800);
    for (const file of omniglotFiles) {
      const bytes = readFileSync(file);
      const ours = fast(bytes);
      expect([ours.width, ours.height, ours.channels]).toEqual([105, 105, 1]);
      expect(firstDifference(toRgba(ours), await jimpRgba(bytes)), file).toBeUndefined();
    }
  });

  it.each(variants)('gives jimp’s pixels: $name, all five row filters', async ({ spec }) => {
    const bytes = encodePng(spec);
    const ours = fast(bytes);
    const expectedChannels = spec.colorType === 3 ? (spec.trns ? 4 : 3) : SAMPLES[spec.colorType] + (spec.trns ? 1 : 0);
    expect(ours.channels).toBe(expectedChannels);
    const reference = await jimpRgba(bytes);
    expect(firstDifference(toRgba(ours), reference)).toBeUndefined();
    if (spec.trns && spec.colorType !== 3) expect(reference.filter((_, i) => i % 4 === 3 && reference[i] === 0).length).toBeGreaterThanOrEqual(4);
  });

  it('gives jimp’s pixels with the image data split over many IDAT chunks and ancillary chunks around them', async () => {
    for (const [colorType, bitDepth] of [[0, 1], [2, 8], [3, 4], [6, 16]] as const) {
      const spec = generated(colorType, bitDepth, { seed: 7 + bitDepth, width: 31, height: 17, idatSize: 5, extra: [{ type: 'gAMA', data: [0, 0, 0xb1, 0x8f] }, { type: 'tEXt', data: [...Buffer.from('Comment\0test')] }] });
      const bytes = encodePng(spec);
      expect(firstDifference(toRgba(fast(bytes)), await jimpRgba(bytes))).toBeUndefined();
    }
  });

  it('leaves interlaced PNGs to jimp, whose pixels the SDK then returns', async () => {
    for (const { spec } of variants.filter((_, i) => i % 3 === 0)) {
      const bytes = encodePng({ ...spec, interlace: true, width: 19, height: 11, samples: generated(spec.colorType, spec.bitDepth, { seed: 3, width: 19, height: 11 }).samples, trns: undefined });
      expect((await errorOf(() => fast(bytes))).code).toBe('IMAGE_UNSUPPORTED_FORMAT');
      const viaSdk = await decodeImageBytes(bytes, 1e6, 'fast');
      expect(firstDifference(toRgba(viaSdk), await jimpRgba(bytes))).toBeUndefined();
    }
  });

  it('refuses what jimp refuses (CRC, IEND, critical chunk, palette index, tRNS order, surplus data) and falls back where jimp is lenient', async () => {
    const good = encodePng(generated(3, 8, { seed: 11, trns: true }));
    const ihdrEnd = 8 + 25;
    const badCrc = Buffer.from(good);
    badCrc[ihdrEnd - 1] ^= 1;
    const noIend = good.subarray(0, good.length - 12);
    const afterIend = Buffer.concat([good, Buffer.from([0])]);
    const critical = Buffer.concat([good.subarray(0, ihdrEnd), chunk('ABCD', [1, 2, 3]), good.subarray(ihdrEnd)]);
    const outOfPalette = encodePng({ ...generated(3, 8, { seed: 12 }), samples: new Array(91).fill(200) });
    const trnsFirst = encodePng({ ...generated(3, 4, { seed: 13 }), palette: undefined, extra: [{ type: 'tRNS', data: [1] }, { type: 'PLTE', data: [1, 2, 3, 4, 5, 6] }] });
    const rgb = generated(2, 8, { seed: 14 });
    const surplusRows = encodePng({ ...rgb, surplus: 40 });
    const afterStream = encodePng({ ...rgb, zlib: (z) => Buffer.concat([z, Buffer.from([1, 2, 3])]) });
    for (const [name, bytes] of Object.entries({ badCrc, noIend, afterIend, critical, outOfPalette, trnsFirst, surplusRows, afterStream })) {
      expect((await errorOf(() => fast(bytes))).code, name).toBe('IMAGE_DECODE');
      await expect(jimpRgba(bytes), name).rejects.toThrow();
      expect(isSiameseError(await errorOf(() => decodeImageBytes(bytes, 1e6, 'fast'))), name).toBe(true);
    }
    // A bad or missing zlib checksum: jimp ignores it, the fast decoder refuses it, the SDK returns jimp's pixels.
    const badAdler = encodePng({ ...rgb, zlib: (z) => Buffer.concat([z.subarray(0, -1), Buffer.from([z[z.length - 1] ^ 1])]) });
    const noAdler = encodePng({ ...rgb, zlib: (z) => z.subarray(0, -4) });
    for (const [name, bytes] of Object.entries({ badAdler, noAdler })) {
      expect((await errorOf(() => fast(bytes))).code, name).toBe('IMAGE_DECODE');
      expect(firstDifference(toRgba(await decodeImageBytes(bytes, 1e6, 'fast')), await jimpRgba(bytes)), name).toBeUndefined();
    }
  });

  it('never accepts a damaged file jimp refuses, and agrees with jimp on every one it accepts (seeded mutations)', async () => {
    const random = prng(2024);
    const specs = variants.filter((_, i) => i % 2 === 0).map((v) => v.spec);
    const seeds = [readFileSync(omniglotFiles[0]), ...specs.map((spec) => encodePng(spec))];
    const mutate = (bytes: Uint8Array, from: number): Uint8Array => {
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) bytes[from + Math.floor(random() * (bytes.length - from))] = Math.floor(random() * 256);
      return bytes;
    };
    let accepted = 0;
    for (let n = 0; n < 300; n++) {
      let bytes: Buffer;
      if (n % 3 === 2) {
        // Damage inside the scanlines (filter bytes, samples, palette indices) behind a valid zlib stream and CRCs.
        const spec = specs[n % specs.length];
        bytes = encodePng({ ...spec, zlib: (z) => deflateSync(mutate(inflateSync(z), 0)) });
      } else {
        bytes = Buffer.from(mutate(Buffer.from(seeds[n % seeds.length]), 8));
        // Every other byte-level mutant gets its chunk CRCs repaired, so the damage reaches past the CRC check.
        if (n % 3 === 1) repairCrcs(bytes);
      }
      let ours: RawImage | undefined;
      try {
        ours = fast(bytes);
      } catch (error) {
        expect(isSiameseError(error), String(error)).toBe(true);
      }
      if (!ours) continue;
      accepted++;
      expect(firstDifference(toRgba(ours), await jimpRgba(bytes)), `mutant ${n}`).toBeUndefined();
    }
    expect(accepted).toBeGreaterThan(50); // the property was exercised, not vacuous
  });

  it('runs core’s header check before inflating: pixel limit and empty images', async () => {
    const spec = generated(0, 8, { seed: 5, width: 40, height: 30 });
    const bytes = encodePng(spec);
    expect((await errorOf(() => fast(bytes, 1000))).code).toBe('IMAGE_TOO_LARGE');
    expect((await errorOf(() => decodeImageBytes(bytes, 1000, 'fast'))).code).toBe('IMAGE_TOO_LARGE');
    // A bomb: a tiny file whose IHDR claims 60000 × 60000 pixels is refused from the header, not inflated.
    const bomb = Buffer.from(bytes);
    bomb.writeUInt32BE(60000, 16);
    bomb.writeUInt32BE(60000, 20);
    bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
    expect((await errorOf(() => fast(bomb))).code).toBe('IMAGE_TOO_LARGE');
    const empty = Buffer.from(bytes);
    empty.writeUInt32BE(0, 16);
    empty.writeUInt32BE(crc32(empty.subarray(12, 29)), 29);
    expect((await errorOf(() => fast(empty))).code).toBe('IMAGE_EMPTY');
  });
});

describe('the SDK with the fast PNG path', () => {
  it('embeds PNG files as with jimp only (worker pool and inline, same embeddings)', async () => {
    const files = omniglotFiles.filter((_, i) => i % 20 === 0);
    const extra = variants.map((v) => encodePng({ ...v.spec, width: 29, height: 23, samples: generated(v.spec.colorType, v.spec.bitDepth, { seed: 9, width: 29, height: 23 }).samples }));
    const inputs = [...files, ...extra];
    const models = await Promise.all([
      loadModel(mechanicsModel(), { device: 'cpu' }),
      loadModel(mechanicsModel(), { device: 'cpu', pngDecoder: 'jimp' }),
      loadModel(mechanicsModel(), { device: 'cpu', workerThreshold: Infinity }),
      loadModel(mechanicsModel(), { device: 'cpu', workerThreshold: Infinity, pngDecoder: 'jimp' }),
    ]);
    try {
      const [pool, poolJimp, inline, inlineJimp] = await Promise.all(models.map((m) => m.embed(inputs)));
      for (const other of [poolJimp, inline, inlineJimp]) {
        for (let i = 0; i < inputs.length; i++) {
          const worst = pool[i].reduce((w, v, k) => Math.max(w, Math.abs(v - other[i][k])), 0);
          expect(worst, `input ${i}`).toBeLessThan(1e-5);
        }
      }
    } finally {
      await Promise.all(models.map((m) => m.dispose()));
    }
  });

  it('leaves the caller’s Buffers intact (the pool transfers copies, also of Buffers over 4 KB)', async () => {
    const big = encodePng(generated(6, 16, { seed: 21, width: 40, height: 30 }));
    expect(big.length).toBeGreaterThan(4096); // not from Node's Buffer pool: its own ArrayBuffer
    const before = Buffer.from(big);
    const model = await loadModel(mechanicsModel(), { device: 'cpu', workerThreshold: 2 });
    try {
      const embeddings = await model.embed([big, big, big, big]);
      expect(big.equals(before)).toBe(true);
      for (const e of embeddings.slice(1)) expect(Array.from(e)).toEqual(Array.from(embeddings[0]));
    } finally {
      await model.dispose();
    }
  });

  it('refuses an unknown pngDecoder option', async () => {
    const error = await errorOf(() => loadModel(mechanicsModel(), { pngDecoder: 'pngjs' as 'jimp' }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/pngDecoder/);
  });
});

/** Rewrites every chunk's CRC to match its (possibly mutated) contents, as far as the chunk lengths still parse. */
function repairCrcs(bytes: Buffer): void {
  for (let p = 8; p + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(p);
    if (p + 12 + length > bytes.length) return;
    bytes.writeUInt32BE(crc32(bytes.subarray(p + 4, p + 8 + length)), p + 8 + length);
    p += 12 + length;
  }
}
