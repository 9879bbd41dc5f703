/** The `siamese` binary, spawned as users run it: the built dist/cli.js under node. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSupportDirectory } from '../src/index.js';
import { exampleQuery, exampleSupport, tempDir, untrainedModelPath } from './helpers.js';
import { buildLinearModel } from './onnx-builder.js';

const cli = join(__dirname, '..', 'dist', 'cli.js');
const dir = tempDir();
const model = existsSync(untrainedModelPath) ? untrainedModelPath : join(dir, 'linear.onnx');

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`build first: ${cli} is missing (pnpm -C packages/sdk-node build)`);
  if (!existsSync(model)) writeFileSync(model, buildLinearModel());
});

describe('siamese CLI', () => {
  it('rank prints a table with the best match marked and the verdict', async () => {
    const member = (await readSupportDirectory(exampleSupport)).get('tengwar-02')![0];
    const { code, stdout, stderr } = await run('rank', member, exampleSupport, '--model', model, '--strategy', 'nearest', '--k', '3');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/#\s+label\s+score\s+distance\s+probability/);
    expect(lines[1]).toMatch(/^\*\s+1 tengwar-02\s+1\.000\s+0\.000/);
    expect(lines).toHaveLength(5); // header, 3 rows, verdict
    expect(lines[4]).toMatch(/^best: tengwar-02/);
  });

  it('rank marks "unknown" below the threshold and --json gives the full result', async () => {
    const text = await run('rank', exampleQuery(1), exampleSupport, '--model', model, '--threshold', '0');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\?\s+1 /m);
    expect(text.stdout).toMatch(/unknown: the closest label, tengwar-0\d, is beyond the threshold/);
    const json = await run('rank', exampleQuery(1), exampleSupport, '--model', model, '--json');
    const parsed = JSON.parse(json.stdout);
    expect(parsed.matches).toHaveLength(5);
    expect(parsed.best).toEqual(parsed.matches[0]);
    expect(typeof parsed.accepted).toBe('boolean');
    expect(parsed.strategy).toBe('prototype');
  });

  it('compare, embed (stdout and --out) and info', async () => {
    const compare = await run('compare', exampleQuery(1), exampleQuery(1), '--model', model);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toMatch(/^same: distance 0\.000, similarity 1\.000, probability/);
    const compareJson = JSON.parse((await run('compare', exampleQuery(1), exampleQuery(2), '--model', model, '--json')).stdout);
    expect(Object.keys(compareJson).sort()).toEqual(['distance', 'probability', 'same', 'similarity']);

    const embedded = JSON.parse((await run('embed', exampleQuery(1), exampleQuery(2), '--model', model)).stdout);
    expect(embedded.map((e: { file: string }) => e.file)).toEqual([exampleQuery(1), exampleQuery(2)]);
    const norm = Math.hypot(...embedded[0].embedding);
    expect(norm).toBeCloseTo(1, 4);
    const out = join(dir, 'embeddings.json');
    const written = await run('embed', exampleQuery(3), '--out', out, '--model', model);
    expect(written.stdout).toMatch(/wrote 1 embeddings of \d+ values/);
    expect(JSON.parse(readFileSync(out, 'utf8'))[0].file).toBe(exampleQuery(3));

    const info = await run('info', model);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^model: +\S+/m);
    expect(info.stdout).toMatch(/^device: +cpu$/m);
    expect(info.stdout).toMatch(/^embedding: +\d+ values, (euclidean|cosine) distance, dtype (fp32|fp16|int8|int8-qdq)$/m);
    expect(JSON.parse((await run('info', model, '--json')).stdout).metadata.schema).toBe('siamese-sdk/model-metadata');
  });

  it('user errors exit 1 with the message and no stack; usage errors exit 2', async () => {
    const missing = await run('rank', join(dir, 'missing.png'), exampleSupport, '--model', model);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^siamese: .*no such file: .*missing\.png\n$/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const badModel = await run('info', exampleQuery(1));
    expect(badModel.code).toBe(1);
    expect(badModel.stderr).toMatch(/is not a valid ONNX model|not an ONNX model/);
    const emptyDir = await run('rank', exampleQuery(1), dir, '--model', model);
    expect(emptyDir.code).toBe(1);
    expect(emptyDir.stderr).toMatch(/no label sub-directories/);
    // --out is checked before the images are embedded, and a write failure is a typed error too.
    const noDir = await run('embed', exampleQuery(1), '--out', join(dir, 'no-such-dir', 'e.json'), '--model', model);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toMatch(/^siamese: --out .*e\.json: no such directory .*no-such-dir\n$/);
    const intoDir = await run('embed', exampleQuery(1), '--out', dir, '--model', model);
    expect(intoDir.code).toBe(1);
    expect(intoDir.stderr).toMatch(/^siamese: could not write --out .* \(EISDIR\)\n$/);
    // Numbers are read as typed: an empty --threshold= is not 0, 0x10 is not 16.
    for (const args of [['--threshold='], ['--threshold', ' '], ['--threshold', '0x1'], ['--k', '0x3'], ['--k', '']]) {
      const r = await run('rank', exampleQuery(1), exampleSupport, '--model', model, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/must be a (number|positive integer)/);
    }
    for (const args of [[], ['frobnicate'], ['rank', exampleQuery(1)], ['rank', 'a', 'b', '--k', '0'], ['rank', 'a', 'b', '--bogus'], ['compare', 'a'], ['rank', 'a', 'b', '--device', 'tpu'], ['embed']]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/Usage:/);
    }
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/siamese rank <query> <supportDir>/);
  });
});
