/**
 * `siamese-train` dispatch: training (default), `eval <run>`, `export <run>` (the ONNX exporter's command,
 * ./export-command.ts).
 * User errors (SiameseError) print one clear line and exit 2; anything else is a bug and prints its stack.
 */
import { isSiameseError } from '@siamese-sdk/core';
import { EVAL_USAGE, runEvalCommand } from './eval-command.js';
import { runExportCommand } from './export-command.js';
import { TRAIN_USAGE } from './train-args.js';
import { runTrainCommand } from './train-command.js';

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      process.stdout.write(TRAIN_USAGE);
      return first === undefined ? 2 : 0;
    }
    if (first === 'eval') {
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${EVAL_USAGE}\n`);
        return 0;
      }
      await runEvalCommand(rest);
      return 0;
    }
    if (first === 'export') return await runExportCommand(rest);
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
