/**
 * Training faults, through the built `siamese-train` CLI on a tiny folder dataset made from the committed fixtures:
 * the run is SIGKILLed at seeded moments (a random few ms after checkpoints spread over the run, so mid-step or
 * mid-checkpoint whatever the machine's speed), `--resume`d each time
 * (itself killed again), and must finish with the full step count, each step logged once, and a loadable `best`
 * checkpoint that embeds to finite values. Damaged checkpoints (one flipped bit in the binary, a truncated
 * manifest) are refused by `--resume` with CHECKPOINT_INVALID — never loaded. (cli/kill-resume.test.ts covers one
 * kill in-process; this one keeps killing.)
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRun } from '../src/checkpoint/load-run.js';
import { readMetrics } from '../src/train/metrics-log.js';
import { fixtureFolders, tempDir } from './helpers.js';

const CLI = resolve(__dirname, '..', 'dist', 'cli.js');
const STEPS = 60;
const KILLS = Number(process.env.TRAIN_KILLS ?? 3);


function lastStep(out: string): number {
  try {
    return (JSON.parse(readFileSync(join(out, 'checkpoints', 'last.json'), 'utf8')) as { step: number }).step;
  } catch {
    return 0;
  }
}

/**
 * Runs the CLI; when `kill` is given, SIGKILLs it `kill.extraMs` after its last checkpoint reaches `kill.afterStep`
 * (polled), so kills land mid-training however fast or slow the machine is.
 */
function run(args: string[], out: string, kill?: { afterStep: number; extraMs: number }): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    const poll = kill === undefined ? undefined : setInterval(() => {
      if (lastStep(out) < kill.afterStep) return;
      clearInterval(poll);
      timer = setTimeout(() => child.kill('SIGKILL'), kill.extraMs);
    }, 5);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolvePromise({ code, signal, stderr });
    });
  });
}

/** Seeded kill points so a failure reproduces: after checkpoints spread over the run, plus a random delay. */
function* killPoints(seed: number): Generator<{ afterStep: number; extraMs: number }> {
  let s = seed;
  for (let i = 0; ; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield { afterStep: 8 + 14 * i, extraMs: s % 60 };
  }
}

describe('training faults (built CLI, SIGKILL)', () => {
  it(`killed ${KILLS} times at random moments and resumed each time, the run finishes with a loadable best checkpoint`, async () => {
    expect(existsSync(CLI), `${CLI} is missing: build the package first`).toBe(true);
    const out = join(tempDir('faults-run'), 'run');
    const args = ['--data', fixtureFolders('faults-data', 8), '--cache-dir', tempDir('faults-cache'), '--channels', '1', '--width', '16', '--depth', '3', '--embedding-size', '16', '--backend', 'wasm', '--loss', 'triplet', '--mining', 'hard', '--steps', String(STEPS), '--batch', '6x4', '--checkpoint-every', '2', '--val-every', '8', '--val-way', '5', '--val-episodes', '20', '--eval-episodes', '20', '--quiet', '--out', out];
    const points = killPoints(20261129);
    const kills: { at: string; step: number }[] = [];
    let first = true;
    let finished = false;
    for (let attempt = 0; attempt < KILLS + 10 && !finished; attempt++) {
      const killing = kills.length < KILLS;
      // Before the first checkpoint exists, a resume is impossible: start afresh (what a user would do).
      const resumeArgs = first || lastStep(out) === 0 ? args : ['--resume', '--out', out, '--quiet'];
      const point = killing ? points.next().value : undefined;
      const result = await run(resumeArgs, out, point);
      if (result.signal === 'SIGKILL') {
        kills.push({ at: `step ${point!.afterStep} + ${point!.extraMs} ms`, step: lastStep(out) });
        first = lastStep(out) === 0;
        continue;
      }
      expect(result.code, result.stderr.slice(-2000)).toBe(0);
      finished = true;
    }
    console.log(`training faults: killed at ${kills.map((k) => `${k.at} (checkpoint step ${k.step})`).join(', ')}; then finished`);
    expect(finished).toBe(true);
    expect(kills.length).toBe(KILLS);
    expect(lastStep(out)).toBe(STEPS);
    // Every step logged once (a resumed run does not repeat or skip logged steps).
    const trainSteps = readMetrics(join(out, 'metrics.jsonl')).filter((m) => m.kind === 'train').map((m) => m.step);
    expect(new Set(trainSteps).size).toBe(trainSteps.length);
    expect(trainSteps.at(-1)).toBe(STEPS);
    const best = await loadRun(out, { tag: 'best' });
    try {
      const embedding = await best.embed(new Float32Array(28 * 28).fill(0.5), 1);
      expect(embedding.length).toBe(16);
      expect(Array.from(embedding).every(Number.isFinite)).toBe(true);
    } finally {
      await best.dispose();
    }
  }, 600_000);

  it('a flipped bit in the checkpoint binary or a truncated manifest: --resume refuses with CHECKPOINT_INVALID', async () => {
    const out = join(tempDir('faults-corrupt'), 'run');
    const args = ['--data', fixtureFolders('faults-data', 8), '--cache-dir', tempDir('faults-cache2'), '--channels', '1', '--width', '16', '--depth', '3', '--embedding-size', '16', '--backend', 'wasm', '--loss', 'triplet', '--mining', 'hard', '--steps', '4', '--batch', '6x4', '--checkpoint-every', '2', '--val-every', '4', '--val-way', '5', '--val-episodes', '10', '--eval-episodes', '10', '--quiet', '--out', out];
    expect((await run(args, out)).code).toBe(0);
    const dir = join(out, 'checkpoints');
    const manifest = JSON.parse(readFileSync(join(dir, 'last.json'), 'utf8')) as { binary: string; step: number };
    const binPath = join(dir, manifest.binary);
    const bin = readFileSync(binPath);
    const flipped = Buffer.from(bin);
    flipped[Math.floor(flipped.length / 2)] ^= 0x10;
    writeFileSync(binPath, flipped);
    // A finished run resumes to "nothing to do" only after reading its checkpoint: the damage must be found first.
    const damagedBin = await run(['--resume', '--out', out, '--steps', '6', '--quiet'], out);
    expect(damagedBin.code).not.toBe(0);
    expect(damagedBin.stderr).toMatch(/CHECKPOINT_INVALID/);
    writeFileSync(binPath, bin);
    const text = readFileSync(join(dir, 'last.json'), 'utf8');
    writeFileSync(join(dir, 'last.json'), text.slice(0, Math.floor(text.length / 2)));
    const damagedJson = await run(['--resume', '--out', out, '--steps', '6', '--quiet'], out);
    expect(damagedJson.code).not.toBe(0);
    expect(damagedJson.stderr).toMatch(/CHECKPOINT_INVALID/);
  }, 300_000);
});
