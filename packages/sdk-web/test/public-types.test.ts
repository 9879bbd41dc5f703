/** The built package's declarations: every type its public signatures use can be imported by name. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { constructorTags, typeErrors } from '../../sdk-node/test/public-types.js';
import { PKG_DIR } from '../e2e/site.mjs';

const dts = path.join(PKG_DIR, 'dist', 'index.d.ts');

describe.runIf(existsSync(dts))('@siamese-sdk/web type exports (dist/index.d.ts)', () => {
  it('exports the option, search, index and model types its signatures use', () => {
    const code = `
      import type { ApproximateIndexOptions, EmbeddingModel, EmbeddingModelOptions, RankResult, RankResultJSON, SiameseModel, SupportSetOptions, SupportSetSearch, WebImageInput } from ${JSON.stringify(path.join(PKG_DIR, 'dist', 'index.js'))};
      const search: SupportSetSearch = 'approximate';
      const approximate: ApproximateIndexOptions = {};
      export const options: SupportSetOptions = { index: search, approximate };
      export const asBase = (model: SiameseModel): EmbeddingModel<WebImageInput> => model;
      export type Construction = EmbeddingModelOptions<WebImageInput>;
      export const json = (result: RankResult): RankResultJSON => result.toJSON();
    `;
    expect(typeErrors(PKG_DIR, code, ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'])).toEqual([]);
  });

  it("SiameseModel's constructor is @internal (loadModel makes models), as in the Node SDK", () => {
    expect(constructorTags(dts, 'SiameseModel')).toContain('internal');
  });
});
