/**
 * Where support sets get the approximate index from. Core does not import approximate-index.ts itself, so a bundle
 * of core that never searches approximately need not carry it (~10 kB of the web SDK): each SDK provides it — the
 * Node SDK the builder itself, at import; the web SDK a loader that fetches it as a separate chunk on first use.
 *
 * Until a builder is there, support sets search exactly: the same answers, only slower, since approximate search is
 * purely a speed option. Async entry points (SupportSet.create, rank) wait for a provided loader first.
 */
import type { ApproximateIndex } from './approximate-index.js';
import type { ApproximateIndexOptions } from './approximate-index-options.js';

/** Builds an approximate index over the unit rows of `matrix` (rows × dim): {@link ApproximateIndex.build}. */
export type ApproximateIndexBuilder = (matrix: Float32Array, dim: number, options?: ApproximateIndexOptions) => ApproximateIndex;

/** The builder itself, or a loader that resolves to it (called once; again after a failure). */
export type ApproximateIndexProvider = { build: ApproximateIndexBuilder } | { load: () => Promise<ApproximateIndexBuilder> };

let builder: ApproximateIndexBuilder | undefined;
let loader: (() => Promise<ApproximateIndexBuilder>) | undefined;
let loading: Promise<void> | undefined;

/** Registers the approximate index for every support set of this realm (a later provider replaces an earlier one). */
export function provideApproximateIndex(provider: ApproximateIndexProvider): void {
  loading = undefined;
  if ('build' in provider) {
    builder = provider.build;
    loader = undefined;
  } else {
    builder = undefined;
    loader = provider.load;
  }
}

/** The builder, when one was provided or has loaded; undefined until then (search is then exact). */
export function approximateIndexBuilder(): ApproximateIndexBuilder | undefined {
  return builder;
}

/**
 * Starts loading the builder when a loader was provided and it has not loaded yet, and returns the wait; undefined
 * when there is nothing to wait for (already there, or no provider: exact search). A failed load rejects its
 * waiters and is forgotten, so the next call tries again.
 */
export function loadApproximateIndex(): Promise<void> | undefined {
  if (builder !== undefined || loader === undefined) return undefined;
  if (loading === undefined) {
    const from = loader;
    const attempt: Promise<void> = from().then(
      (loaded) => {
        // A provider registered meanwhile wins over this (older) load.
        if (loading === attempt) builder = loaded;
      },
      (error: unknown) => {
        if (loading === attempt) loading = undefined;
        throw error;
      },
    );
    loading = attempt;
  }
  return loading;
}
