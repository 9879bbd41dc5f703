/**
 * A real kill: the built `siamese-train` binary is SIGKILLed mid-run, then `--resume` finishes the run from its
 * last checkpoint with nothing lost or duplicated. Needs `dist/` (the repo's `pnpm test` builds first).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrainCommand } from '../../src/cli/train-command.js';
import { readMetrics } from '../../src/train/metrics-log.js';
import { fixtureFolders, tempDir } from '../helpers.js';

const CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js');


function lastStep(out: string): number {
  const path = join(out, 'checkpoints', 'last.json');
  if (!existsSync(path)) return 0;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { step: number }).step;
  } catch {
    return 0;
  }
}

describe('kill and resume', () => {
  it('a SIGKILLed run resumes from its last checkpoint and reaches the full step count', async () => {
    expect(existsSync(CLI), `${CLI} is missing: build the package first (pnpm build)`).toBe(true);
    const data = fixtureFolders('kill-data');
    const out = join(tempDir('kill-run'), 'run');
    const args = ['--data', data, '--cache-dir', tempDir('kill-cache'), '--channels', '1', '--width', '16', '--depth', '3', '--embedding-size', '32', '--backend', 'wasm', '--loss', 'triplet', '--mining', 'hard', '--steps', '24', '--batch', '6x4', '--checkpoint-every', '2', '--val-every', '8', '--val-way', '5', '--val-episodes', '50', '--eval-episodes', '50', '--quiet', '--out', out];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 90_000;
    while (lastStep(out) < 6 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(child.exitCode, stderr).toBeNull();
    child.kill('SIGKILL');
    await exited;
    const killedAt = lastStep(out);
    expect(killedAt).toBeGreaterThanOrEqual(6);
    expect(killedAt).toBeLessThan(24);

    const result = await runTrainCommand(['--resume', '--out', out, '--quiet']);
    expect(result).toMatchObject({ step: 24, completed: true, resumedFrom: killedAt });
    const steps = readMetrics(join(out, 'metrics.jsonl')).filter((m) => m.kind === 'train').map((m) => m.step);
    expect(steps).toEqual([10, 20, 24]);
    const vals = readMetrics(join(out, 'metrics.jsonl')).filter((m) => m.kind === 'val').map((m) => m.step);
    expect(vals).toEqual([8, 16, 24]);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  }, 180_000);
});
