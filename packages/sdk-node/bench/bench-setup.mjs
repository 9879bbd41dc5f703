// What every SDK bench script shares: the repository root, the command line (--json <file>, --model <onnx>,
// --quick), the model it measures (the default model, else the untrained fixture), and the committed Omniglot
// mini fixture's PNG files in a stable order.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const miniDir = join(repo, 'fixtures', 'omniglot-eval-mini');

/** Options of a bench run: `values` as parsed, the model path, and whether `--quick` was given. */
export function benchOptions() {
  const { values } = parseArgs({ options: { json: { type: 'string' }, model: { type: 'string' }, quick: { type: 'boolean' } } });
  const modelPath =
    values.model ?? [join(repo, 'models', 'omniglot-conv4.onnx'), join(repo, 'fixtures', 'models', 'conv4-untrained.onnx')].find((p) => existsSync(p));
  if (!modelPath) throw new Error('no model: pass --model <file.onnx>');
  return { values, modelPath, quick: Boolean(values.quick) };
}

/** Every PNG of the mini fixture, alphabet by alphabet, character by character, in sorted order. */
export function miniPngFiles() {
  return readdirSync(miniDir).flatMap((alphabet) =>
    readdirSync(join(miniDir, alphabet)).sort().flatMap((c) => readdirSync(join(miniDir, alphabet, c)).sort().map((f) => join(miniDir, alphabet, c, f))),
  );
}
