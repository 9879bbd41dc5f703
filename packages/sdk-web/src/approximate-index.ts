/**
 * The web SDK's provider of core's approximate index: a loader of approximate-index-chunk.ts, a separate chunk of
 * dist/ fetched on first approximate use (setSearch / supportSet with index 'approximate' or 'auto', or a rank on
 * such a set), so the code that loads on `import` stays within the size goal. Exact search never fetches it.
 */
import { type ApproximateIndexBuilder, SiameseError, provideApproximateIndex } from '@siamese-sdk/core';

async function importApproximateIndexChunk(): Promise<ApproximateIndexBuilder> {
  try {
    const { ApproximateIndex } = await import('./approximate-index-chunk.js');
    return ApproximateIndex.build;
  } catch (error) {
    // Typically the chunk is not served beside index.js (only index.js was copied) or not as text/javascript.
    throw new SiameseError(
      'FETCH_FAILED',
      `could not load the SDK's approximate-search chunk; serve every .js file of its dist/ folder beside index.js (${(error as Error).message})`,
      {},
      { cause: error },
    );
  }
}

/** Registers the lazy loader with core; index.ts calls it once, at import. */
export function provideLazyApproximateIndex(): void {
  provideApproximateIndex({ load: importApproximateIndexChunk });
}
