/**
 * `--init-from <run>`: a run that starts from another run's network (fine-tuning, or a second training phase with
 * other settings). On real Omniglot fixture images: the network's weights and batch-norm statistics are the source
 * run's exactly, Adam starts fresh, the source is recorded, and a mismatched network or input is refused by name.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { initFromRun } from '../../src/checkpoint/init-from-run.js';
import { readCheckpointManifest } from '../../src/checkpoint/checkpoint.js';
import { loadRun } from '../../src/checkpoint/load-run.js';
import { main } from '../../src/cli/main.js';
import { runTrainCommand } from '../../src/cli/train-command.js';
import { DEFAULT_NET_CONFIG, type NetConfig } from '../../src/model/net-config.js';
import { createTrainStepper } from '../../src/train/create-stepper.js';
import { fixtureFolders, tempDir } from '../helpers.js';


const NET = ['--channels', '1', '--width', '16', '--depth', '3', '--embedding-size', '32', '--backend', 'wasm', '--quiet'];
const NET_CONFIG: NetConfig = { ...DEFAULT_NET_CONFIG, inputSize: 28, channels: 1, width: 16, depth: 3, embeddingSize: 32 };

describe('siamese-train --init-from', () => {
  it('starts from the source run’s network with fresh Adam, records where it came from, and refuses a mismatch', async () => {
    const data = fixtureFolders('init-data');
    const cache = tempDir('init-cache');
    const source = join(tempDir('init-source'), 'run');
    const common = ['--data', data, '--cache-dir', cache, '--loss', 'contrastive', '--batch', '6x4', '--val-every', '3', '--val-way', '5', '--val-episodes', '50', '--eval-episodes', '50'];
    await runTrainCommand([...common, '--steps', '6', '--out', source, ...NET]);

    // The weights: a fresh stepper initialised from the run embeds exactly as the run's own model does.
    const run = await loadRun(source, { backend: 'wasm' });
    const sourceStep = run.manifest.step;
    const stepper = await createTrainStepper({ net: NET_CONFIG, loss: { kind: 'contrastive', margin: 1 }, backend: 'wasm', seed: 99 });
    try {
      const images = new Float32Array(4 * 28 * 28).map((_, i) => ((i * 7919) % 255) / 255);
      const before = await stepper.embed(images, 4);
      const from = await initFromRun(source, stepper, { net: NET_CONFIG, preprocess: run.manifest.preprocess });
      expect(from).toEqual({ run: source, tag: 'best', step: run.manifest.step });
      const after = await stepper.embed(images, 4);
      expect(Array.from(after)).toEqual(Array.from(await run.embed(images, 4)));
      expect(Array.from(after)).not.toEqual(Array.from(before));
      const state = await stepper.getState();
      expect(state.step).toBe(0);
      expect(Object.values(state.optimizer).every((t) => t.values.every((v) => v === 0))).toBe(true);
      // A different network or input is refused by name, before anything changes.
      await expect(initFromRun(source, stepper, { net: { ...NET_CONFIG, width: 32 }, preprocess: run.manifest.preprocess })).rejects.toThrow(/network \(width 16\) differs from this run's \(width 32\)/);
      await expect(initFromRun(source, stepper, { net: NET_CONFIG, preprocess: { ...run.manifest.preprocess, input: { width: 32, height: 32, channels: 1 } } })).rejects.toThrow(/trained on other inputs/);
      expect(Array.from(await stepper.embed(images, 4))).toEqual(Array.from(after));
    } finally {
      await stepper.dispose();
      await run.dispose();
    }

    // The CLI: a second phase with other settings (here the proxy loss, whose proxies start fresh) trains, and its
    // checkpoints and config.json record the source. The network and input options are not repeated: the run takes
    // the source's (a folder dataset would otherwise default to 3 channels and another width).
    const phase2 = join(tempDir('init-phase2'), 'run');
    const result = await runTrainCommand([...common, '--loss', 'proxy', '--steps', '3', '--lr', '0.0003', '--init-from', source, '--out', phase2, '--backend', 'wasm', '--quiet']);
    expect(result).toMatchObject({ step: 3, completed: true });
    const phase2Manifest = readCheckpointManifest(join(phase2, 'checkpoints'), 'last');
    expect(phase2Manifest.metrics.initializedFrom).toEqual({ run: source, tag: 'best', step: sourceStep });
    expect(phase2Manifest.net).toEqual(run.manifest.net);
    expect(phase2Manifest.preprocess).toEqual(run.manifest.preprocess);
    const phase2Config = JSON.parse(readFileSync(join(phase2, 'config.json'), 'utf8')) as { trainer: { initFrom: string }; data: { channels: number; preprocess: unknown } };
    expect(phase2Config.trainer.initFrom).toBe(source);
    expect(phase2Config.data).toMatchObject({ channels: 1, preprocess: run.manifest.preprocess.preprocess });

    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const lastError = (): string => String(stderr.mock.calls.at(-1)?.[0]);
    try {
      // A resume keeps the recorded source; another one would change the run.
      expect(await main([...common, '--loss', 'proxy', '--steps', '4', '--lr', '0.0003', '--init-from', phase2, '--resume', '--out', phase2, ...NET])).toBe(2);
      expect(lastError()).toMatch(/--resume continues .* these options would change it: --init-from/);
      expect(await main(['--resume', '--out', phase2, '--steps', '4', '--quiet'])).toBe(0);
      expect(readCheckpointManifest(join(phase2, 'checkpoints'), 'last').metrics.initializedFrom).toEqual({ run: source, tag: 'best', step: sourceStep });
      // Network or input options that differ from the source's are refused by name, before any data is loaded.
      expect(await main([...common, '--steps', '2', '--init-from', source, '--out', join(tempDir('init-wide'), 'run'), ...NET.map((a) => (a === '16' ? '24' : a))])).toBe(2);
      expect(lastError()).toMatch(/\[INVALID_ARGUMENT\]: --init-from .*: its network and input carry over to this run, and these options would change them: --width: width 24, that run's 16\. Drop them/);
      expect(await main([...common, '--steps', '2', '--init-from', source, '--channels', '3', '--input-size', '32', '--out', join(tempDir('init-rgb'), 'run')])).toBe(2);
      expect(lastError()).toMatch(/--input-size: inputSize 32, that run's 28; --channels: channels 3, that run's 1/);
      // The same widths written another way agree; a source that stopped before its first checkpoint is named.
      const perBlock = join(tempDir('init-per-block'), 'run');
      expect(await main([...common, '--steps', '1', '--init-from', source, '--width', '16,16,16', '--depth', '3', '--out', perBlock, '--backend', 'wasm', '--quiet']), lastError()).toBe(0);
      expect(await main([...common, '--steps', '1', '--init-from', data, '--out', join(tempDir('init-not-run'), 'run'), '--quiet'])).toBe(2);
      expect(lastError()).toMatch(/\[CHECKPOINT_INVALID\]: --init-from .* is not a training run: no checkpoints\/ folder/);
      const empty = join(tempDir('init-empty'), 'run');
      mkdirSync(join(empty, 'checkpoints'), { recursive: true });
      expect(await main([...common, '--steps', '1', '--init-from', empty, '--out', join(tempDir('init-from-empty'), 'run'), '--quiet'])).toBe(2);
      expect(lastError()).toMatch(/\[CHECKPOINT_INVALID\]: --init-from .* has no checkpoint yet/);
      // A resume never reads the source again: the original command re-typed after the source moved continues.
      const moved = `${source}-moved`;
      renameSync(source, moved);
      expect(await main([...common, '--loss', 'proxy', '--steps', '5', '--lr', '0.0003', '--init-from', source, '--resume', '--out', phase2, ...NET]), lastError()).toBe(0);
      // A resume takes the network from its record: partial flags are compared with it, not with the defaults
      // (depth 5 needs more than the default 28 pixels).
      const deep = join(tempDir('init-deep'), 'run');
      expect(await main([...common, '--steps', '1', '--input-size', '64', '--depth', '5', '--width', '8', '--channels', '1', '--backend', 'wasm', '--out', deep, '--quiet']), lastError()).toBe(0);
      expect(await main(['--resume', '--out', deep, '--depth', '5', '--steps', '2', '--quiet']), lastError()).toBe(0);
      // A fresh run's network is checked before its data is loaded: nothing is written to --out.
      const tooSmall = join(tempDir('init-too-small'), 'run');
      expect(await main([...common, '--steps', '1', '--input-size', '14', '--stem-stride', '2', '--out', tooSmall, '--quiet'])).toBe(2);
      expect(lastError()).toMatch(/\[INVALID_ARGUMENT\]: net\.inputSize 14 is too small for a stride-2 stem and 4 pooling blocks/);
      expect(existsSync(join(tooSmall, 'config.json'))).toBe(false);
    } finally {
      stderr.mockRestore();
    }
  });
});
