/**
 * `siamese-train` dispatch: training (default), `eval <run>`, `export <run>` (the ONNX exporter's command).
 * User errors (SiameseError) print one clear line and exit 2; anything else is a bug and prints its stack.
 */
import { isSiameseError } from '@siamese-sdk/core';
import { EVAL_USAGE, runEvalCommand } from './eval-command.js';
import { TRAIN_USAGE } from './train-args.js';
import { runTrainCommand } from './train-command.js';

type ExportModule = { runExportCommand?: (argv: string[]) => Promise<number | void> };

async function runExport(argv: string[]): Promise<number> {
  let mod: ExportModule;
  try {
    // Resolved at run time so the trainer works (and builds) without the exporter.
    const path = './export-command.js';
    mod = (await import(/* @vite-ignore */ path)) as ExportModule;
  } catch {
    process.stderr.write('siamese-train export: the ONNX exporter is not available in this build\n');
    return 2;
  }
  if (typeof mod.runExportCommand !== 'function') {
    process.stderr.write('siamese-train export: the ONNX exporter is not available in this build\n');
    return 2;
  }
  return (await mod.runExportCommand(argv)) ?? 0;
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      process.stdout.write(TRAIN_USAGE);
      return first === undefined ? 2 : 0;
    }
    if (first === 'eval') {
      if (rest.includes('--help')) {
        process.stdout.write(`${EVAL_USAGE}\n`);
        return 0;
      }
      await runEvalCommand(rest);
      return 0;
    }
    if (first === 'export') return await runExport(rest);
    if (first === 'train') argv = rest;
    await runTrainCommand(argv);
    return 0;
  } catch (e) {
    if (isSiameseError(e)) {
      process.stderr.write(`siamese-train: error [${e.code}]: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
