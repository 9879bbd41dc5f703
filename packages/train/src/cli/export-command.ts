/** `siamese-train export <run> --out <file.onnx>`: a training run → a self-describing ONNX model. */
import { MODEL_DTYPES, SiameseError, parseDecimal, type ModelDType } from '@siamese-sdk/core';
import { exportRun } from '../export/export-run.js';
import { TTA_SHIFTS } from '../eval/shift-views.js';
import type { BackendPreference } from '../train/stepper.js';
import { dataOverrides, parseRunCommandArgs } from './run-command-args.js';

export const EXPORT_USAGE = `Usage: siamese-train export <run-dir | run-dir/checkpoints/best.json> --out models/<name>.onnx [options]

Options:
  --out <file.onnx>        where to write the model (required)
  --dtype fp32|fp16|int8|int8-qdq
                           fp32 (default); fp16 or int8 weight storage (float32 compute); int8-qdq: fully
                           quantised (int8 weights, uint8 activations whose ranges are measured on validation
                           images; integer convolutions in onnxruntime). All but fp32 report the accuracy change
  --name <name>            model name in the metadata (default: the file name)
  --tag best|last          checkpoint (default best, else last)
  --pairs <n>              validation pairs for calibration (default 10000)
  --calibration-from <model.onnx>
                           copy that model's calibration (threshold, Platt) instead of fitting one: for a final
                           fit (trained with --val-fraction 0, so no unseen classes to calibrate on), name the
                           file exported from a run of the same recipe that held classes out
  --episodes <n>           5-way 1-shot validation episodes for the accuracy figures (default 1000)
  --tta                    test-time augmentation inside the file: each image embedded as the mean over itself and
                           its four 1-pixel shifts (5× the inference); calibrated and measured the same way
  --opset <n>              ONNX opset, 13-21 (default 13)
  --data <folder>          where a folder dataset is now, if it moved since the run (the split is checked)
  --omniglot-dir <path>    where the Omniglot zips are on this machine (overrides the run's record)
  --cache-dir <path>       dataset cache folder
  --backend auto|wasm|cpu  tfjs backend for loading the run (default auto)`;

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = parseDecimal(value);
  if (!Number.isInteger(n)) throw new SiameseError('INVALID_ARGUMENT', `${flag} must be an integer, got ${value}\n${EXPORT_USAGE}`);
  return n;
}

/** Runs the command; returns the process exit code. User errors throw SiameseError (the dispatcher prints them). */
export async function runExportCommand(argv: string[], log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${EXPORT_USAGE}\n`);
    return 0;
  }
  const { target: run, values: v, flags } = parseRunCommandArgs(
    argv,
    ['out', 'dtype', 'name', 'tag', 'pairs', 'episodes', 'opset', 'calibration-from', 'data', 'omniglot-dir', 'cache-dir', 'backend'],
    EXPORT_USAGE,
    'run folder or checkpoint',
    ['tta'],
  );
  if (!v.out) throw new SiameseError('INVALID_ARGUMENT', `--out is required\n${EXPORT_USAGE}`);
  const dtype = (v.dtype ?? 'fp32') as ModelDType;
  if (!MODEL_DTYPES.includes(dtype)) throw new SiameseError('INVALID_ARGUMENT', `--dtype must be ${MODEL_DTYPES.join(', ')}, got ${v.dtype}`);
  if (v.tag !== undefined && v.tag !== 'best' && v.tag !== 'last') throw new SiameseError('INVALID_ARGUMENT', `--tag must be best or last, got ${v.tag}`);
  const backend = (v.backend ?? 'auto') as BackendPreference;
  if (!['auto', 'tfjs-node', 'wasm', 'cpu'].includes(backend)) throw new SiameseError('INVALID_ARGUMENT', `--backend must be auto, wasm or cpu, got ${v.backend}`);

  const result = await exportRun({
    run,
    out: v.out,
    dtype,
    name: v.name,
    tag: v.tag as 'best' | 'last' | undefined,
    pairs: integer(v.pairs, '--pairs'),
    episodes: integer(v.episodes, '--episodes'),
    opset: integer(v.opset, '--opset'),
    calibrationFrom: v['calibration-from'],
    ...(flags.tta ? { views: TTA_SHIFTS } : {}),
    backend,
    data: dataOverrides(v),
    onLog: log,
  });
  const c = result.calibration;
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  const fitted = 'accuracy' in c ? `on ${c.pairs} validation pairs: threshold ${c.threshold.toFixed(4)} (balanced accuracy ${(100 * c.accuracy).toFixed(1)}%, EER ${(100 * c.eer).toFixed(1)}%)` : `copied from ${c.source.file}: threshold ${c.threshold.toFixed(4)}`;
  log(`calibration ${fitted}, Platt a = ${c.plattA.toFixed(3)}, b = ${c.plattB.toFixed(3)}`);
  if (result.metadata.dtype !== 'fp32') log(`size: ${kb(result.bytes)} (${result.metadata.dtype}) vs ${kb(result.fp32Bytes)} (fp32), ${(100 * (result.bytes / result.fp32Bytes)).toFixed(0)}%`);
  log(`wrote ${result.file}`);
  log(`  ${result.metadata.name}: input [N, ${result.metadata.input.channels}, ${result.metadata.input.height}, ${result.metadata.input.width}] → embedding [N, ${result.metadata.output.size}], ${result.metadata.dtype}, ${result.stats.nodes} nodes`);
  log(`  size ${kb(result.bytes)} (${result.bytes} bytes)`);
  log(`  sha256 ${result.sha256}`);
  return 0;
}
