/**
 * The top-level API with the bundled default model, and the README's example: ranking each query in examples/
 * against the example support set puts its own character first. Runs when the trained model exists.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledModelPath, closeDecodePool, defaultModel, embed, loadModel, rank, similarity, supportSet } from '../src/index.js';
import { exampleQuery, exampleSupport, hasTrainedModel, trainedModelPath } from './helpers.js';

afterAll(() => closeDecodePool());

describe.runIf(hasTrainedModel)('the trained default model (README example)', () => {
  it('ranks every example query’s own character first and accepts it', async () => {
    const model = await loadModel(trainedModelPath);
    const set = await model.supportSet(exampleSupport);
    for (let n = 1; n <= 5; n++) {
      const result = await model.rank(exampleQuery(n), set);
      expect(result[0].label, `query ${n}`).toBe(`tengwar-0${n}`);
      expect(result.accepted, `query ${n}`).toBe(true);
      expect(result.best.probability).toBeGreaterThan(result[1].probability);
    }
    const same = await model.similarity(exampleQuery(1), `${exampleSupport}/tengwar-01/${(await import('node:fs')).readdirSync(`${exampleSupport}/tengwar-01`)[0]}`);
    const different = await model.similarity(exampleQuery(1), exampleQuery(2));
    expect(same.distance).toBeLessThan(different.distance);
    await model.dispose();
  });
});

describe.runIf(existsSync(bundledModelPath()))('top-level functions with the bundled model', () => {
  it('rank, embed, similarity and supportSet share one lazily loaded model', async () => {
    const result = await rank(exampleQuery(3), exampleSupport);
    expect(result[0].label).toBe('tengwar-03');
    const e = await embed(exampleQuery(3));
    const model = await defaultModel();
    expect(e).toHaveLength(model.embeddingSize);
    expect(await embed([exampleQuery(1), exampleQuery(2)])).toHaveLength(2);
    expect((await similarity(exampleQuery(3), exampleQuery(3))).same).toBe(true);
    const set = await supportSet(exampleSupport);
    expect((await rank(exampleQuery(3), set)).best.label).toBe('tengwar-03');
    expect(await defaultModel()).toBe(model);
  });
});
