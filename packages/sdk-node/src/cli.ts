#!/usr/bin/env node
/**
 * `siamese`: the Node SDK from the command line.
 *   siamese rank <query> <supportDir> [--k 5] [--json] [--model m.onnx] [--strategy prototype|nearest] [--threshold d] [--device ...] [--dtype ...]
 *   siamese compare <a> <b> [--json] [--model m.onnx] [--device ...] [--dtype ...]
 *   siamese embed <files...> [--out file] [--model m.onnx] [--device ...] [--dtype ...]
 *   siamese info [model] [--json] [--device ...] [--dtype ...]
 * Exit codes: 0 success, 1 a SiameseError (bad input, missing file, ...; its message, no stack), 2 usage.
 */
import { constants as fsConstants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLED_MODEL_FILES, type BundledDType, type RankResult, SiameseError, parseDecimal } from '@siamese-sdk/core';
import { loadModel } from './load-model.js';
import type { DeviceOption } from './onnx-backend.js';
import type { SiameseModel } from './siamese-model.js';

const USAGE = `Usage:
  siamese rank <query> <supportDir> [--k 5] [--json] [--model m.onnx] [--strategy prototype|nearest] [--threshold d] [--device auto|cuda|cpu] [--dtype fp32|int8-qdq]
  siamese compare <a> <b> [--json] [--model m.onnx] [--device auto|cuda|cpu] [--dtype fp32|int8-qdq]
  siamese embed <files...> [--out file.json] [--model m.onnx] [--device auto|cuda|cpu] [--dtype fp32|int8-qdq]
  siamese info [model.onnx] [--json] [--device auto|cuda|cpu] [--dtype fp32|int8-qdq]

<supportDir> holds one sub-directory per label with that label's images: <supportDir>/<label>/<images>.
Without --model the bundled model is used: --dtype fp32 (default) or int8-qdq (fully quantised, same accuracy,
faster on CPUs with VNNI). With --model, --dtype checks the file's dtype.`;

class UsageError extends Error {}

const OPTIONS = {
  k: { type: 'string' },
  json: { type: 'boolean' },
  model: { type: 'string' },
  strategy: { type: 'string' },
  threshold: { type: 'string' },
  device: { type: 'string' },
  dtype: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function device(values: Values): DeviceOption {
  const d = values.device ?? 'auto';
  if (d !== 'auto' && d !== 'cuda' && d !== 'cpu') throw new UsageError(`--device must be auto, cuda or cpu (got ${d})`);
  return d;
}

function dtype(values: Values): BundledDType | undefined {
  const d = values.dtype;
  if (d !== undefined && !Object.hasOwn(BUNDLED_MODEL_FILES, d)) throw new UsageError(`--dtype must be ${Object.keys(BUNDLED_MODEL_FILES).join(' or ')} (got ${d})`);
  return d as BundledDType | undefined;
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = parseDecimal(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer (got '${value}')`);
  return n;
}

async function assertWritableDirectory(dir: string, out: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new SiameseError('INVALID_ARGUMENT', `--out ${out}: ${dir} is not a directory`, { path: out });
    await access(dir, fsConstants.W_OK);
  } catch (error) {
    if (error instanceof SiameseError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SiameseError('NOT_FOUND', `--out ${out}: no such directory ${dir}`, { path: out });
    throw new SiameseError('INVALID_ARGUMENT', `--out ${out}: cannot write in ${dir} (${code ?? String(error)})`, { path: out }, { cause: error });
  }
}

async function writeOutput(out: string, text: string): Promise<void> {
  try {
    await writeFile(out, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SiameseError('INVALID_ARGUMENT', `could not write --out ${out} (${code ?? String(error)})`, { path: out }, { cause: error });
  }
}

function formatRank(result: RankResult): string {
  const width = Math.max(5, ...result.map((m) => m.label.length));
  const lines = [`  #  ${'label'.padEnd(width)}  score   distance  probability`];
  result.forEach((m, i) => {
    const mark = i === 0 ? (result.accepted ? '*' : '?') : ' ';
    lines.push(`${mark} ${String(i + 1).padStart(2)} ${m.label.padEnd(width)}  ${m.score.toFixed(3).padStart(6)}  ${m.distance.toFixed(3).padStart(8)}  ${(m.probability * 100).toFixed(1).padStart(10)}%`);
  });
  const { best, threshold } = result;
  lines.push(
    result.accepted
      ? `best: ${best.label} (distance ${best.distance.toFixed(3)} ≤ threshold ${threshold.toFixed(3)})`
      : `unknown: the closest label, ${best.label}, is beyond the threshold (distance ${best.distance.toFixed(3)} > ${threshold.toFixed(3)})`,
  );
  return lines.join('\n');
}

async function withModel<T>(values: Values, source: string | undefined, f: (model: SiameseModel) => Promise<T>): Promise<T> {
  const model = await loadModel(source ?? values.model, { device: device(values), dtype: dtype(values) });
  try {
    return await f(model);
  } finally {
    await model.dispose();
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Values;
  const [command, ...args] = parsed.positionals;
  if (values.help || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const out = (text: string) => process.stdout.write(text + '\n');
  switch (command) {
    case 'rank': {
      if (args.length !== 2) throw new UsageError('rank needs <query> and <supportDir>');
      const k = positiveInt(values.k, 'k', 5);
      const strategy = values.strategy ?? 'prototype';
      if (strategy !== 'prototype' && strategy !== 'nearest') throw new UsageError(`--strategy must be prototype or nearest (got ${strategy})`);
      const threshold = values.threshold === undefined ? undefined : parseDecimal(values.threshold);
      if (threshold !== undefined && !Number.isFinite(threshold)) throw new UsageError(`--threshold must be a number (got '${values.threshold}')`);
      const result = await withModel(values, undefined, (model) => model.rank(args[0], args[1], { k, strategy, threshold }));
      if (values.json) {
        const { best, accepted, unknown, threshold: t, strategy: s } = result;
        out(JSON.stringify({ query: args[0], matches: [...result], best, accepted, unknown, threshold: t, strategy: s }, null, 2));
      } else out(formatRank(result));
      return 0;
    }
    case 'compare': {
      if (args.length !== 2) throw new UsageError('compare needs two images');
      const r = await withModel(values, undefined, (model) => model.similarity(args[0], args[1]));
      if (values.json) out(JSON.stringify(r, null, 2));
      else out(`${r.same ? 'same' : 'different'}: distance ${r.distance.toFixed(3)}, similarity ${r.similarity.toFixed(3)}, probability ${(r.probability * 100).toFixed(1)}%`);
      return 0;
    }
    case 'embed': {
      if (args.length === 0) throw new UsageError('embed needs at least one image');
      // Where the output goes is checked before the work, so a typo in --out does not throw the embeddings away.
      if (values.out) await assertWritableDirectory(dirname(resolve(values.out)), values.out);
      const embeddings = await withModel(values, undefined, (model) => model.embed(args));
      const text = JSON.stringify(args.map((file, i) => ({ file, embedding: Array.from(embeddings[i]) })));
      if (values.out) {
        await writeOutput(values.out, text + '\n');
        out(`wrote ${embeddings.length} embeddings of ${embeddings[0].length} values to ${values.out}`);
      } else out(text);
      return 0;
    }
    case 'info': {
      if (args.length > 1) throw new UsageError('info takes at most one model path');
      const info = await withModel(values, args[0], async (model) => ({
        model: model.origin,
        sha256: model.sha256,
        device: model.device,
        metadata: model.metadata,
      }));
      if (values.json) out(JSON.stringify(info, null, 2));
      else {
        const m = info.metadata;
        out(
          [
            `model:       ${m.name} (${info.model})`,
            `sha256:      ${info.sha256}`,
            `device:      ${info.device}`,
            `input:       ${m.input.name} [N, ${m.input.channels}, ${m.input.height}, ${m.input.width}], resize ${m.preprocess.resize}${m.preprocess.invert ? ', inverted' : ''}`,
            `embedding:   ${m.output.size} values, ${m.distance} distance, dtype ${m.dtype ?? 'fp32'}`,
            `threshold:   ${m.calibration.threshold}`,
            ...(m.evaluation ? [`evaluation:  ${Object.entries(m.evaluation).map(([k, v]) => `${k} ${v}`).join(', ')}`] : []),
            `producer:    ${m.producer.name} ${m.producer.version}, ${m.createdAt}`,
          ].join('\n'),
        );
      }
      return 0;
    }
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`siamese: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (error instanceof SiameseError) {
      process.stderr.write(`siamese: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`siamese: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
