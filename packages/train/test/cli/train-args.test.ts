import { describe, expect, it } from 'vitest';
import { isSiameseError } from '@siamese-sdk/core';
import { parseTrainArgs } from '../../src/cli/train-args.js';
import { trainerAsRecorded } from '../../src/cli/train-command.js';
import type { TrainerConfig } from '../../src/train/trainer.js';
import { FIXTURE_DIR, OMNIGLOT_DIR } from '../helpers.js';

function errorOf(argv: string[]): { code: string; message: string } {
  try {
    parseTrainArgs(argv);
  } catch (e) {
    if (isSiameseError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

describe('siamese-train options', () => {
  it('rejects an unknown loss, unknown mining, a non-positive margin, a bad batch', () => {
    expect(errorOf(['--data', FIXTURE_DIR, '--loss', 'arcface'])).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/unknown loss "arcface" \(expected one of contrastive, triplet, proto, proxy\)/) as string });
    expect(errorOf(['--data', FIXTURE_DIR, '--loss', 'triplet', '--mining', 'easy']).message).toMatch(/unknown mining "easy"/);
    expect(errorOf(['--data', FIXTURE_DIR, '--loss', 'contrastive', '--margin', '0']).message).toMatch(/--margin must be positive/);
    expect(errorOf(['--data', FIXTURE_DIR, '--loss', 'triplet', '--margin=-0.5']).message).toMatch(/--margin must be positive/);
    expect(errorOf(['--data', FIXTURE_DIR, '--loss', 'contrastive', '--margin', 'wide']).message).toMatch(/--margin must be a number/);
    expect(errorOf(['--data', FIXTURE_DIR, '--batch', '16']).message).toMatch(/--batch must look like PxK/);
    expect(errorOf(['--data', FIXTURE_DIR, '--steps', '0']).message).toMatch(/--steps must be an integer ≥ 1/);
    expect(errorOf(['--data', FIXTURE_DIR, '--pk-groups=-1']).message).toMatch(/--pk-groups must be an integer ≥ 0/);
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--pk-groups', '3']).trainer.groupsPerBatch).toBe(3);
    expect(parseTrainArgs(['--data', FIXTURE_DIR]).trainer.groupsPerBatch).toBe(0);
    expect(parseTrainArgs(['--data', FIXTURE_DIR]).trainer.batchNormGroups).toBe(1);
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--workers', '2', '--bn-groups', '4']).trainer.batchNormGroups).toBe(4);
    expect(errorOf(['--data', FIXTURE_DIR, '--workers', '2', '--bn-groups', '3']).message).toMatch(/batchNormGroups 3 cannot be shared by 2 workers/);
    expect(errorOf(['--data', FIXTURE_DIR, '--bn-groups', '0']).message).toMatch(/--bn-groups must be an integer ≥ 1/);
    expect(parseTrainArgs(['--data', FIXTURE_DIR]).trainer.convolutions).toBe('winograd');
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--conv', 'direct']).trainer.convolutions).toBe('direct');
    expect(errorOf(['--data', FIXTURE_DIR, '--conv', 'fft']).message).toMatch(/unknown --conv "fft" \(winograd, direct\)/);
    expect(errorOf(['--data', FIXTURE_DIR, '--frobnicate']).message).toMatch(/Unknown option '--frobnicate'/);
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--val-fraction', '0']).data?.valFraction).toBe(0);
    expect(errorOf(['--data', FIXTURE_DIR, '--val-fraction', '1']).message).toMatch(/--val-fraction must be in \[0, 1\), got 1/);
    // Numbers are read as typed: an empty value is not 0 (a final fit by accident), hex is not a number here.
    expect(errorOf(['--data', FIXTURE_DIR, '--val-fraction=']).message).toMatch(/--val-fraction must be a number, got ""/);
    expect(errorOf(['--data', FIXTURE_DIR, '--seed=']).message).toMatch(/--seed must be an integer ≥ 0, got ""/);
    expect(errorOf(['--data', FIXTURE_DIR, '--lr', '0x10']).message).toMatch(/--lr must be a number/);
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--lr', '3e-3']).trainer.lr).toBe(0.003);
    expect(errorOf(['--data', 'omniglot', '--omniglot-dir', FIXTURE_DIR, '--val-fraction', '0', '--val-alphabets', 'Tengwar']).message).toMatch(/--val-fraction 0 holds nothing out/);
  });

  it('rejects a missing dataset before any work', () => {
    expect(errorOf(['--loss', 'proto']).message).toMatch(/--data is required/);
    expect(errorOf(['--data', '/definitely/not/here'])).toMatchObject({ code: 'DATASET_INVALID' });
    expect(errorOf(['--data', 'omniglot'])).toMatchObject({ code: 'DATASET_INVALID', message: expect.stringMatching(/--omniglot-dir .* or --download/) as string });
    expect(errorOf(['--data', 'omniglot', '--omniglot-dir', '/nope'])).toMatchObject({ code: 'DATASET_INVALID' });
  });

  it('builds the configuration with loss-dependent defaults', () => {
    const o = parseTrainArgs(['--data', 'omniglot', '--omniglot-dir', OMNIGLOT_DIR, '--loss', 'triplet', '--mining', 'hard', '--batch', '8x4', '--steps', '20', '--out', 'runs/x'], new Date('2026-01-01T00:00:00Z'));
    expect(o.trainer.loss).toEqual({ kind: 'triplet', margin: 0.2, mining: 'hard' });
    expect([o.trainer.classesPerBatch, o.trainer.imagesPerClass, o.trainer.steps]).toEqual([8, 4, 20]);
    expect(o.data).toMatchObject({ data: 'omniglot', rotations: true, channels: 1 });
    const p = parseTrainArgs(['--data', FIXTURE_DIR], new Date('2026-01-01T00:00:00Z'));
    expect(p.trainer.loss).toEqual({ kind: 'proto', scale: 20 });
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--no-l2-normalize']).trainer.loss).toEqual({ kind: 'proto', scale: 1 });
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--proto-scale', '8']).trainer.loss).toEqual({ kind: 'proto', scale: 8 });
    expect(() => parseTrainArgs(['--data', FIXTURE_DIR, '--proto-scale', '0'])).toThrow(/--proto-scale must be positive/);
    expect(() => parseTrainArgs(['--data', FIXTURE_DIR, '--loss', 'contrastive', '--proto-scale', '8'])).toThrow(/applies to --loss proto only/);
    expect([p.trainer.classesPerBatch, p.trainer.imagesPerClass]).toEqual([20, 10]);
    expect(p.out).toBe('runs/omniglot-eval-mini-proto-20260101-000000');
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--loss', 'contrastive']).trainer.loss).toEqual({ kind: 'contrastive', margin: 1 });
    // Proxy: scale and cosine margin (0 allowed: plain normalised softmax); the class count comes from the data.
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--loss', 'proxy']).trainer.loss).toEqual({ kind: 'proxy', scale: 16, margin: 0.1, learningRateScale: 1 });
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--loss', 'proxy', '--proxy-scale', '24', '--margin', '0', '--proxy-lr-scale', '3']).trainer.loss).toEqual({ kind: 'proxy', scale: 24, margin: 0, learningRateScale: 3 });
    expect(() => parseTrainArgs(['--data', FIXTURE_DIR, '--loss', 'proxy', '--margin', '1'])).toThrow(/--margin must be in \[0, 1\) for --loss proxy/);
    expect(() => parseTrainArgs(['--data', FIXTURE_DIR, '--loss', 'proxy', '--proxy-scale', '0'])).toThrow(/--proxy-scale must be positive/);
    expect(() => parseTrainArgs(['--data', FIXTURE_DIR, '--loss', 'contrastive', '--proxy-scale', '8'])).toThrow(/applies to --loss proxy only/);
    expect(() => parseTrainArgs(['--data', FIXTURE_DIR, '--loss', 'proxy', '--proxy-lr-scale', '0'])).toThrow(/--proxy-lr-scale must be positive/);
    expect(() => parseTrainArgs(['--data', FIXTURE_DIR, '--proxy-lr-scale', '2'])).toThrow(/applies to --loss proxy only/);
  });

  it('takes --width as one count for every block or one per block, checked against --depth before any work', () => {
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--width', '32']).trainer.net.width).toBe(32);
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--width', '64,64,128,256']).trainer.net.width).toEqual([64, 64, 128, 256]);
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--width', '8, 16,24', '--depth', '3']).trainer.net).toMatchObject({ width: [8, 16, 24], depth: 3 });
    expect(errorOf(['--data', FIXTURE_DIR, '--width', '64,128'])).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/lists 2 filter counts; --depth 4 needs one per block/) as string });
    expect(errorOf(['--data', FIXTURE_DIR, '--width', '64,x,64,64'])).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/--width must be an integer ≥ 1, got "x"/) as string });
    expect(errorOf(['--data', FIXTURE_DIR, '--width', '0'])).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('takes --stem-stride (a patch stem), a positive integer', () => {
    expect(parseTrainArgs(['--data', FIXTURE_DIR]).trainer.net.stemStride).toBe(1);
    expect(parseTrainArgs(['--data', FIXTURE_DIR, '--input-size', '56', '--stem-stride', '2']).trainer.net).toMatchObject({ inputSize: 56, stemStride: 2 });
    expect(errorOf(['--data', FIXTURE_DIR, '--stem-stride', '0'])).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/--stem-stride/) as string });
  });

  it('a run recorded before --conv existed resumes with the direct convolutions it ran with; other missing options take their defaults', () => {
    const fresh = parseTrainArgs(['--data', FIXTURE_DIR]).trainer;
    const { convolutions: _dropped, batchNormGroups: _alsoDropped, ...old } = fresh;
    const resumed = trainerAsRecorded(old as TrainerConfig);
    expect(resumed.convolutions).toBe('direct');
    expect(resumed.batchNormGroups).toBe(1);
    expect(trainerAsRecorded(fresh).convolutions).toBe('winograd');
    expect(trainerAsRecorded({ ...fresh, convolutions: 'direct' }).convolutions).toBe('direct');
  });
});
