import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSiameseError } from '@siamese-sdk/core';
import { readCheckpoint, writeCheckpoint, type CheckpointInfo } from '../../src/checkpoint/checkpoint.js';
import { DEFAULT_NET_CONFIG } from '../../src/model/net-config.js';
import { tempDir } from '../helpers.js';

const info: CheckpointInfo = {
  step: 7,
  net: DEFAULT_NET_CONFIG,
  loss: { kind: 'proto' },
  preprocess: { input: { width: 28, height: 28, channels: 1 }, preprocess: { resize: 'area', background: [255, 255, 255], invert: true, mean: [0], std: [1] } },
  config: { lr: 0.001 },
  data: { source: 'test' },
  rng: { sample: [1, 2, 3, 4] },
  metrics: { best: { step: 5, accuracy: 0.9 } },
};
const state = {
  weights: { 'conv/kernel': { shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) }, 'conv/bias': { shape: [3], values: Float32Array.from([0.5, -1, 7]) } },
  optimizer: { 'conv/kernel/m': { shape: [2, 3], values: Float32Array.from([9, 8, 7, 6, 5, 4]) } },
};

describe('checkpoints', () => {
  it('round-trips weights, optimiser state and metadata', () => {
    const dir = tempDir('ckpt');
    writeCheckpoint(dir, 'last', info, state);
    const back = readCheckpoint(dir, 'last');
    expect(back.manifest.step).toBe(7);
    expect(back.manifest.rng).toEqual(info.rng);
    expect(back.manifest.metrics).toEqual(info.metrics);
    expect(Object.keys(back.weights)).toEqual(['conv/kernel', 'conv/bias']);
    expect(Array.from(back.weights['conv/bias'].values)).toEqual([0.5, -1, 7]);
    expect(back.weights['conv/kernel'].shape).toEqual([2, 3]);
    expect(Array.from(back.optimizer['conv/kernel/m'].values)).toEqual([9, 8, 7, 6, 5, 4]);
  });

  it('replaces the previous binary atomically and leaves no temp files', () => {
    const dir = tempDir('ckpt-replace');
    writeCheckpoint(dir, 'last', info, state);
    writeCheckpoint(dir, 'last', { ...info, step: 8 }, { ...state, weights: { ...state.weights, 'conv/bias': { shape: [3], values: Float32Array.from([1, 1, 1]) } } });
    expect(readdirSync(dir).sort().filter((f) => f.startsWith('last'))).toHaveLength(2); // last.json + one .bin
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    expect(readCheckpoint(dir, 'last').manifest.step).toBe(8);
  });

  it('detects a corrupt or missing binary and a damaged manifest: CHECKPOINT_INVALID, never loaded', () => {
    const dir = tempDir('ckpt-corrupt');
    const m = writeCheckpoint(dir, 'best', info, state);
    const bin = join(dir, m.binary);
    const bytes = readFileSync(bin);
    bytes[5] ^= 0x40; // one flipped bit
    writeFileSync(bin, bytes);
    const error = (() => {
      try {
        readCheckpoint(dir, 'best');
      } catch (e) {
        return e;
      }
    })();
    expect(isSiameseError(error, 'CHECKPOINT_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/corrupt: sha256/);
    writeFileSync(join(dir, 'best.json'), '{"format": "siamese-train/checkpoint", "version": 1, "step"');
    expect(() => readCheckpoint(dir, 'best')).toThrowError(/not valid JSON/);
    expect(() => readCheckpoint(tempDir('ckpt-none'), 'last')).toThrowError(expect.objectContaining({ code: 'CHECKPOINT_INVALID' }) as Error);
    // A manifest that parses but lacks a record a resume, eval or export reads: named, not a TypeError later.
    const partial = tempDir('ckpt-partial');
    writeCheckpoint(partial, 'last', info, state);
    const manifest = JSON.parse(readFileSync(join(partial, 'last.json'), 'utf8')) as Record<string, unknown>;
    delete manifest.data;
    manifest.config = null;
    writeFileSync(join(partial, 'last.json'), JSON.stringify(manifest));
    expect(() => readCheckpoint(partial, 'last')).toThrowError(/last\.json is missing fields: config, data/);
  });
});
