/** `siamese-train eval <run>`: evaluate a run's best checkpoint and (re)write its report. */
import { SiameseError, parseDecimal } from '@siamese-sdk/core';
import { evaluateRun } from '../eval/evaluate-run.js';
import { taskName } from '../eval/evaluate.js';
import { TTA_SHIFTS } from '../eval/shift-views.js';
import type { BackendPreference } from '../train/stepper.js';
import { dataOverrides, parseRunCommandArgs } from './run-command-args.js';

export const EVAL_USAGE = `Usage: siamese-train eval <run-dir> [--episodes N] [--pairs N] [--tag best|last] [--split test|validation] [--tta] [--data folder] [--omniglot-dir path] [--cache-dir path] [--backend auto|wasm|cpu]`;

export async function runEvalCommand(argv: string[], log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<void> {
  const { target: runDir, values: v, flags } = parseRunCommandArgs(
    argv,
    ['episodes', 'pairs', 'tag', 'split', 'data', 'omniglot-dir', 'cache-dir', 'backend'],
    EVAL_USAGE,
    'run folder',
    ['tta'],
  );
  const episodes = v.episodes === undefined ? 1000 : parseDecimal(v.episodes);
  if (!Number.isInteger(episodes) || episodes < 1) throw new SiameseError('INVALID_ARGUMENT', `--episodes must be a positive integer, got ${v.episodes}`);
  const pairs = v.pairs === undefined ? 10_000 : parseDecimal(v.pairs);
  if (!Number.isInteger(pairs) || pairs < 0) throw new SiameseError('INVALID_ARGUMENT', `--pairs must be a non-negative integer, got ${v.pairs}`);
  if (v.tag !== undefined && v.tag !== 'best' && v.tag !== 'last') throw new SiameseError('INVALID_ARGUMENT', `--tag must be best or last, got ${v.tag}`);
  if (v.split !== undefined && v.split !== 'test' && v.split !== 'validation') throw new SiameseError('INVALID_ARGUMENT', `--split must be test or validation, got ${v.split}`);
  const report = await evaluateRun(runDir, {
    split: v.split as 'test' | 'validation' | undefined,
    episodes,
    verificationPairs: pairs,
    tag: v.tag as 'best' | 'last' | undefined,
    ...(flags.tta ? { views: TTA_SHIFTS } : {}),
    backend: (v.backend ?? 'auto') as BackendPreference,
    data: dataOverrides(v),
    onLog: log,
  });
  for (const f of report.evaluation.fewShot) log(`  ${taskName(f).padEnd(28)} ${(100 * f.accuracy).toFixed(1)}% ± ${(100 * f.ci95).toFixed(1)}`);
  if (report.evaluation.verification) log(`  verification AUC ${report.evaluation.verification.auc.toFixed(4)}, EER ${(100 * report.evaluation.verification.eer).toFixed(1)}%`);
  log(`report: ${report.files.markdown}`);
}
