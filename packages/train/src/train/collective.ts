/**
 * Collective operations between the data-parallel replicas of one training step. Every replica calls the same
 * operations in the same order (their graphs are identical), so each call is also a synchronisation point.
 * With one replica they are identities.
 */
export interface Collective {
  readonly rank: number;
  readonly size: number;
  /** Element-wise sum of every replica's `values` (same length everywhere), in rank order on every replica. */
  allReduceSum(values: Float32Array): Float32Array;
  /** Every replica's `values` (lengths may differ), indexed by rank. */
  allGather(values: Float32Array): Float32Array[];
}

export const LOCAL_COLLECTIVE: Collective = {
  rank: 0,
  size: 1,
  allReduceSum: (values) => values,
  allGather: (values) => [values],
};
