/**
 * A support set compiled for ranking: every example embedding in one contiguous matrix, a row → label map, and
 * each label's prototype (the re-normalised mean of its examples) in a second matrix. Built once per change of
 * the support set and reused by every query, so a query costs one matrix–vector product and a top-k.
 */
import type { ApproximateIndex } from './approximate-index.js';
import { l2NormalizeInPlace } from './distance.js';
import { scoreRows } from './embedding-matrix.js';
import { SiameseError } from './errors.js';
import { TopK } from './top-k.js';

export type RankStrategy = 'prototype' | 'nearest';

export interface LabelEmbeddings {
  label: string;
  /** Unit-length embeddings of this label's examples, each `dim` long. */
  embeddings: readonly Float32Array[];
}

export interface EmbeddingIndex {
  readonly dim: number;
  /** Label id → label. */
  readonly labels: readonly string[];
  /** rows × dim, row-major. */
  readonly examples: Float32Array;
  /** Row → label id. */
  readonly exampleLabel: Int32Array;
  /** labels × dim: the normalised mean of each label's examples. */
  readonly prototypes: Float32Array;
}

export function buildEmbeddingIndex(groups: readonly LabelEmbeddings[], dim: number): EmbeddingIndex {
  let rows = 0;
  for (const g of groups) rows += g.embeddings.length;
  const examples = new Float32Array(rows * dim);
  const exampleLabel = new Int32Array(rows);
  // One example per label (a gallery): each prototype IS its example (already unit length), so both matrices
  // share one array — half the memory for a million-entry gallery.
  const oneEach = rows === groups.length;
  const prototypes = oneEach ? examples : new Float32Array(groups.length * dim);
  let row = 0;
  groups.forEach((g, id) => {
    const p = id * dim;
    for (const e of g.embeddings) {
      if (e.length !== dim) throw new SiameseError('INVALID_ARGUMENT', `embedding for label "${g.label}" has ${e.length} values, expected ${dim}`, { label: g.label });
      examples.set(e, row * dim);
      exampleLabel[row++] = id;
      if (!oneEach) for (let i = 0; i < dim; i++) prototypes[p + i] += e[i];
    }
    // The mean of unit vectors is shorter than 1; re-normalising makes prototype scores cosines again.
    if (!oneEach) l2NormalizeInPlace(prototypes, p, dim);
  });
  return { dim, labels: groups.map((g) => g.label), examples, exampleLabel, prototypes };
}

/** Reused score buffers, grown on demand: ranking allocates nothing per call beyond its results. */
const scratch = { scores: new Float32Array(0), best: new Float32Array(0) };
function scratchArray(name: keyof typeof scratch, length: number): Float32Array {
  if (scratch[name].length < length) scratch[name] = new Float32Array(Math.max(length, scratch[name].length * 2));
  return scratch[name];
}

/**
 * A reused heap (ranking is synchronous, so one per process is enough), replaced when k changes. Only small heaps
 * are kept: a k of a million (k: Infinity over a gallery) would otherwise pin 12 MB for the process's lifetime.
 */
let topScratch: TopK | undefined;
const SCRATCH_TOP_K_MAX = 1024;
function scratchTopK(k: number): TopK {
  if (k > SCRATCH_TOP_K_MAX) return new TopK(k);
  if (topScratch?.k === k) topScratch.clear();
  else topScratch = new TopK(k);
  return topScratch;
}

/**
 * The k best labels for `query` as (label id, cosine score), best first. With `approximate` (an index over
 * `index.prototypes`), prototype ranking — and nearest ranking of one-example galleries, the same matrix — scans only
 * the index's probed cells; nearest ranking over several examples per label stays exact.
 */
export function topLabels(
  index: EmbeddingIndex,
  query: Float32Array,
  k: number,
  strategy: RankStrategy,
  approximate?: ApproximateIndex,
): { id: number; score: number }[] {
  const top = rankedTopLabels(index, query, k, strategy, approximate);
  return top instanceof TopK ? top.sorted() : top;
}

/**
 * {@link topLabels} without its result objects where search is exact: a heap of the k best, ordered in place (read
 * best first with TopK.idAt / scoreAt) and reused by the next call, so read it before ranking again. The approximate
 * index's answer is returned as it comes.
 */
export function rankedTopLabels(
  index: EmbeddingIndex,
  query: Float32Array,
  k: number,
  strategy: RankStrategy,
  approximate?: ApproximateIndex,
): TopK | { id: number; score: number }[] {
  const { dim, labels } = index;
  if (query.length !== dim) throw new SiameseError('INVALID_ARGUMENT', `query embedding has ${query.length} values, expected ${dim}`);
  if (approximate && (strategy === 'prototype' || index.prototypes === index.examples)) return approximate.search(query, Math.min(k, labels.length));
  const top = scratchTopK(Math.min(k, labels.length));
  // With one example per label, nearest and prototype are the same product over the same matrix.
  if (strategy === 'prototype' || index.prototypes === index.examples) {
    const scores = scoreRows(index.prototypes, dim, query, scratchArray('scores', labels.length), 0, labels.length);
    for (let id = 0; id < labels.length; id++) top.push(id, scores[id]);
  } else {
    const rows = index.exampleLabel.length;
    const scores = scoreRows(index.examples, dim, query, scratchArray('scores', rows), 0, rows);
    const best = scratchArray('best', labels.length).fill(-Infinity, 0, labels.length);
    const owner = index.exampleLabel;
    for (let r = 0; r < rows; r++) if (scores[r] > best[owner[r]]) best[owner[r]] = scores[r];
    for (let id = 0; id < labels.length; id++) top.push(id, best[id]);
  }
  top.sortInPlace();
  return top;
}
