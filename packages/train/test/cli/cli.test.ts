/**
 * `siamese-train` end to end, in process: train on a folder-per-class dataset (real Omniglot fixture images),
 * then `eval` and `export` on the run, and the errors a user meets.
 */
import { cpSync, rmSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runTrainCommand } from '../../src/cli/train-command.js';
import { readMetrics } from '../../src/train/metrics-log.js';
import { fixtureFolders, tempDir } from '../helpers.js';


const SMALL = ['--channels', '1', '--width', '16', '--depth', '3', '--embedding-size', '32', '--backend', 'wasm', '--quiet'];

describe('siamese-train', () => {
  it('trains, writes metrics, curve, checkpoints and a report; eval and export work on the run', async () => {
    const data = fixtureFolders('cli-data');
    const out = join(tempDir('cli-run'), 'run');
    const cache = tempDir('cli-cache');
    const result = await runTrainCommand(['--data', data, '--cache-dir', cache, '--loss', 'contrastive', '--steps', '6', '--batch', '6x4', '--val-every', '3', '--val-way', '5', '--val-episodes', '50', '--eval-episodes', '100', '--out', out, ...SMALL]);
    expect(result).toMatchObject({ step: 6, completed: true });
    for (const f of ['config.json', 'metrics.jsonl', 'training-curve.svg', 'report.md', 'report.json', 'checkpoints/best.json', 'checkpoints/last.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const metrics = readMetrics(join(out, 'metrics.jsonl'));
    expect(metrics.filter((m) => m.kind === 'val').map((m) => m.step)).toEqual([3, 6]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { figures: Record<string, number>; testSet: string };
    // 40 classes, 20% held out = 8 validation classes: 5-way tasks run, 20-way ones are reported as skipped.
    expect(report.testSet).toMatch(/validation split/);
    expect(report.figures.random_5way_1shot).toBeGreaterThan(0.2);
    expect(report.figures.verification_auc).toBeGreaterThan(0.5);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\| 5-way 1-shot \| random classes \| prototype \| 100 \|/);

    // Running again into the same folder without --resume is refused; --resume on a finished run is a no-op.
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--data', data, '--out', out, ...SMALL])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/already holds a run; pass --resume/);
      expect(await main(['eval', out, '--episodes', '50', '--pairs', '200'])).toBe(0);
      expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).evaluation.fewShot[0].episodes).toBe(50);
      // Tuning looks at the validation split without touching the test-set report.
      expect(await main(['eval', out, '--split', 'validation', '--episodes', '40', '--pairs', '100'])).toBe(0);
      const validation = JSON.parse(readFileSync(join(out, 'report.validation.json'), 'utf8')) as { testSet: string; evaluation: { fewShot: { episodes: number }[] } };
      expect(validation.testSet).toMatch(/^validation split \(8 classes\)/);
      expect(validation.evaluation.fewShot[0].episodes).toBe(40);
      expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).evaluation.fewShot[0].episodes).toBe(50);
      expect(await main(['eval', out, '--split', 'train'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/--split must be test or validation, got train/);
      const onnx = join(out, 'model.onnx');
      expect(await main(['export', out, '--out', onnx])).toBe(0);
      expect(readFileSync(onnx).length).toBeGreaterThan(10_000);
      expect(await main(['eval'])).toBe(2);
      expect(await main(['eval', join(out, 'nope')])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/\[CHECKPOINT_INVALID\].*not a training run/);
      // A final fit of a folder dataset (no test set, nothing held out): trains, says why there is no report, and
      // export names the missing calibration and how to supply it.
      const fit = join(tempDir('cli-final-fit'), 'run');
      const fitted = await runTrainCommand(['--data', data, '--cache-dir', cache, '--loss', 'contrastive', '--steps', '2', '--batch', '6x4', '--val-fraction', '0', '--out', fit, ...SMALL.filter((a) => a !== '--quiet')]);
      const logged = stderr.mock.calls.map((c) => String(c[0]));
      expect(fitted).toMatchObject({ step: 2, completed: true, best: undefined });
      expect(existsSync(join(fit, 'report.json'))).toBe(false);
      expect(logged.some((l) => /no final report: none: .* has no separate test set and nothing was held out/.test(l))).toBe(true);
      expect(await main(['export', fit, '--out', join(fit, 'm.onnx')])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/\[INVALID_ARGUMENT\].*pass --calibration-from/);
      expect(await main(['export', fit, '--out', join(fit, 'm.onnx'), '--calibration-from', onnx])).toBe(0);
      expect(await main(['eval', fit, '--split', 'validation'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/\[INVALID_ARGUMENT\]: nothing to evaluate on: .* without a validation split/);
      expect(await main(['eval', fit])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/\[DATASET_INVALID\]: nothing to evaluate on/);
      expect(await main(['--data', data, '--loss', 'proto', '--margin', '1'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/\[INVALID_ARGUMENT\]: --margin does not apply/);
    } finally {
      stderr.mockRestore();
    }
  });

  it('a resume cannot change the run, eval refuses a changed dataset, and output paths are checked first', async () => {
    const data = fixtureFolders('cli-data');
    const out = join(tempDir('cli-resume'), 'run');
    const cache = tempDir('cli-resume-cache');
    const args = ['--data', data, '--cache-dir', cache, '--loss', 'contrastive', '--batch', '6x4', '--val-every', '2', '--val-way', '5', '--val-episodes', '20', '--eval-episodes', '20', '--out', out, ...SMALL];
    expect(await runTrainCommand([...args, '--steps', '4'])).toMatchObject({ step: 4, completed: true });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const lastError = () => String(stderr.mock.calls.at(-1)?.[0]);
    try {
      // The whole command re-typed with --resume and a new --lr / --margin: refused, naming each difference.
      expect(await main([...args, '--steps', '6', '--resume', '--lr', '0.5', '--margin', '0.3'])).toBe(2);
      expect(lastError()).toMatch(/\[INVALID_ARGUMENT\]: --resume continues .* these options would change it: --lr: lr 0\.5, the run has 0\.001; --margin: margin 0\.3, the run has 1/);
      expect(await main(['--resume', '--out', out, '--steps', '2', '--quiet'])).toBe(2);
      expect(lastError()).toMatch(/--steps 2: .* is already at step 4/);
      // The same command with --resume (nothing changed) and a longer --steps continues.
      expect(await main([...args, '--steps', '6', '--resume'])).toBe(0);
      expect(readMetrics(join(out, 'metrics.jsonl')).filter((m) => m.kind === 'train').at(-1)?.step).toBe(6);
      // Without --data, options that restate the record are fine too (nothing left to do: the run is finished).
      expect(await main(['--resume', '--out', out, '--loss', 'contrastive', '--val-fraction', '0.2', '--quiet'])).toBe(0);
      // Another class folder changes the split the run was trained with: eval says so instead of measuring on
      // training classes.
      cpSync(join(data, readdirSync(data)[0]), join(data, 'zz-added-class'), { recursive: true });
      expect(await main(['eval', out, '--split', 'validation', '--episodes', '20', '--pairs', '100'])).toBe(2);
      expect(lastError()).toMatch(/\[DATASET_INVALID\]: the dataset changed since .* was trained.* training classes then, \d+ now/);
      expect(await main([...args, '--steps', '8', '--resume'])).toBe(2);
      expect(lastError()).toMatch(/\[DATASET_INVALID\]: the dataset changed/);
      // An --out that is a file: a typed error before any data loads.
      const file = join(tempDir('cli-out-file'), 'a-file');
      writeFileSync(file, 'x');
      expect(await main(['--data', data, '--cache-dir', cache, '--out', join(file, 'run'), ...SMALL])).toBe(2);
      expect(lastError()).toMatch(/\[INVALID_ARGUMENT\]: --out .*a-file\/run: cannot create or write the folder .*\(a file is in the way\)/);
      // The dataset moved: --data names the new folder on --resume, and the run continues on it (the old folder,
      // which now holds an extra class, would be refused).
      const moved = join(tempDir('cli-moved'), 'data');
      cpSync(data, moved, { recursive: true });
      rmSync(join(moved, 'zz-added-class'), { recursive: true });
      expect(await main(['--resume', '--out', out, '--data', moved, '--steps', '7', '--quiet']), lastError()).toBe(0);
      expect(readMetrics(join(out, 'metrics.jsonl')).filter((m) => m.kind === 'train').at(-1)?.step).toBe(7);
      // eval and export find it there too (the best checkpoint still records the old folder).
      expect(await main(['eval', out, '--data', moved, '--split', 'validation', '--episodes', '20', '--pairs', '100']), lastError()).toBe(0);
      expect(await main(['eval', out, '--split', 'validation', '--episodes', '20', '--pairs', '100'])).toBe(2);
    } finally {
      stderr.mockRestore();
    }
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['eval', '-h'])).toBe(0);
      expect(String(stdout.mock.calls.at(-1)?.[0])).toMatch(/siamese-train eval/);
    } finally {
      stdout.mockRestore();
    }
  });
});
