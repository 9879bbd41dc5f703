/** The built package's declarations: every type its public signatures use can be imported by name. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { constructorTags, typeErrors } from './public-types.js';

const pkgDir = join(__dirname, '..');
const dts = join(pkgDir, 'dist', 'index.d.ts');

describe.runIf(existsSync(dts))('siamese-sdk type exports (dist/index.d.ts)', () => {
  it('exports the option, search, index and model types its signatures use', () => {
    const code = `
      import type { ApproximateIndexOptions, EmbeddingModel, EmbeddingModelOptions, ImageInput, RankResult, RankResultJSON, SiameseModel, SupportSetOptions, SupportSetSearch } from ${JSON.stringify(join(pkgDir, 'dist', 'index.js'))};
      const search: SupportSetSearch = 'approximate';
      const approximate: ApproximateIndexOptions = {};
      export const options: SupportSetOptions = { index: search, approximate };
      export const asBase = (model: SiameseModel): EmbeddingModel<ImageInput> => model;
      export type Construction = EmbeddingModelOptions<ImageInput>;
      export const json = (result: RankResult): RankResultJSON => result.toJSON();
    `;
    expect(typeErrors(pkgDir, code)).toEqual([]);
  });

  it("SiameseModel's constructor is @internal (loadModel makes models), as in the web SDK", () => {
    expect(constructorTags(dts, 'SiameseModel')).toContain('internal');
  });
});
