/**
 * The committed default model against its model card (models/README.md):
 * - each committed .onnx file's sha256 equals the one the card states;
 * - on a fixed set of seeded episodes over the committed evaluation fixtures (real Omniglot evaluation images), the
 *   model, loaded and run through siamese-sdk, scores the accuracy the card states, within the card's 95% CI for
 *   that episode count — the fp32 default and its int8-qdq variant each, and the opt-in accurate model
 *   (omniglot-conv4-tta.onnx: test-time views inside its graph) against its own rows. An untrained Conv-4 scores far outside it (checked when the card was written:
 *   SIAMESE_ACCURACY_MODEL=fixtures/models/conv4-untrained.onnx makes this test fail).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDecodePool, loadModel } from '../src/index.js';
import { fixtureCharacters, fixtureEpisodes, scoreEpisodes } from './fixture-episodes.js';
import { miniDir, repoRoot, trainedModelPath } from './helpers.js';

const modelsDir = join(repoRoot, 'models');
const cardPath = join(modelsDir, 'README.md');
const card = existsSync(cardPath) ? readFileSync(cardPath, 'utf8') : '';
// The fp32 default and its bundled int8-qdq variant must both land in the card's fixture CIs.
const modelsUnderTest = process.env.SIAMESE_ACCURACY_MODEL
  ? [process.env.SIAMESE_ACCURACY_MODEL]
  : [trainedModelPath, join(modelsDir, 'omniglot-conv4.int8-qdq.onnx'), join(modelsDir, 'omniglot-conv4-tta.onnx')].filter((path) => existsSync(path));

interface CardFixtureRow {
  way: number;
  shot: number;
  episodes: number;
  seed: number;
  accuracy: number;
  ci95: number;
}

/**
 * Rows like `| fixture 20-way 1-shot | 200 | 62 | 90.12% | ± 1.00 |` (accuracy and CI in percent): the default
 * model's (its int8-qdq variant is held to them too); a row naming a file, `| fixture 20-way 1-shot
 * (omniglot-conv4-tta.onnx) | ...`, is that file's.
 */
function cardFixtureRows(text: string, file: string | undefined): CardFixtureRow[] {
  const rows: CardFixtureRow[] = [];
  for (const m of text.matchAll(/^\| fixture (\d+)-way (\d+)-shot(?: \(`?([\w.-]+\.onnx)`?\))? \| (\d+) \| (\d+) \| ([\d.]+)% \| ± ([\d.]+) \|/gm)) {
    if (m[3] !== file) continue;
    rows.push({ way: Number(m[1]), shot: Number(m[2]), episodes: Number(m[4]), seed: Number(m[5]), accuracy: Number(m[6]) / 100, ci95: Number(m[7]) / 100 });
  }
  return rows;
}

/** Files with fixture rows of their own; every other model under test is held to the default's rows. */
const OWN_ROWS = new Set(['omniglot-conv4-tta.onnx']);

/** Rows of the card's files table: `| \`name.onnx\` (note) | ... | <sha256> |`. */
function cardHashes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^\| `([\w.-]+\.onnx)`[^|]*\|.*?\b([0-9a-f]{64})\b/gm)) out.set(m[1], m[2]);
  return out;
}

afterAll(() => closeDecodePool());

describe.runIf(existsSync(trainedModelPath) && card !== '')('the committed model files match the card', () => {
  it('every committed .onnx file has the sha256 the card states', () => {
    const hashes = cardHashes(card);
    const files = readdirSync(modelsDir).filter((f) => f.endsWith('.onnx'));
    expect(files).toContain('omniglot-conv4.onnx');
    for (const file of files) {
      const actual = createHash('sha256').update(readFileSync(join(modelsDir, file))).digest('hex');
      expect(hashes.get(file), `${file} is listed in models/README.md`).toBeDefined();
      expect(actual, file).toBe(hashes.get(file));
    }
  });
});

describe.runIf(modelsUnderTest.length > 0 && card !== '')('the default model scores what its card states', () => {
  it.each(modelsUnderTest)('%s scores the card’s accuracy on the fixed fixture episodes, within the card’s 95% CI', { timeout: 180_000 }, async (modelUnderTest) => {
    const file = basename(modelUnderTest);
    const rows = cardFixtureRows(card, OWN_ROWS.has(file) ? file : undefined);
    // The card must state both tasks; a card without them would make this test vacuous.
    expect(rows.map((r) => `${r.way}-way ${r.shot}-shot`).sort()).toEqual(['20-way 1-shot', '5-way 1-shot']);
    const characters = fixtureCharacters(miniDir);
    expect(characters).toHaveLength(40);
    const model = await loadModel(modelUnderTest);
    try {
      const scored = [];
      for (const row of rows) {
        expect(row.episodes).toBeGreaterThanOrEqual(200);
        const score = await scoreEpisodes(model, characters, fixtureEpisodes(characters, row));
        const label = `${row.way}-way ${row.shot}-shot over ${row.episodes} fixture episodes (seed ${row.seed})`;
        console.log(`${label}: ${(100 * score.accuracy).toFixed(2)}% ± ${(100 * score.ci95).toFixed(2)} (card: ${(100 * row.accuracy).toFixed(2)}% ± ${(100 * row.ci95).toFixed(2)})`);
        scored.push({ row, score, label });
      }
      for (const { row, score, label } of scored) {
        // The card's CI must be the one this episode count gives (not a wide band any model would fall into)...
        expect(row.ci95, `${label}: the card's CI`).toBeLessThanOrEqual(1.25 * score.ci95 + 0.002);
        // ...and the model must land inside it.
        expect(Math.abs(score.accuracy - row.accuracy), label).toBeLessThanOrEqual(row.ci95);
      }
    } finally {
      await model.dispose();
    }
  });
});
