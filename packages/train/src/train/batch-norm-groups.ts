/**
 * Batch-norm groups ("ghost batch norm", Hoffer et al. 2017): the batch's rows are cut into G contiguous groups and
 * every group is normalised with its own statistics. G = 1 is ordinary batch norm over the whole batch — with
 * data-parallel workers that needs the statistics exchanged between workers twice per layer and step (forward
 * moments, backward sums), and each exchange is a barrier at which the faster worker waits. With G a multiple of
 * the worker count every worker holds whole groups and normalises them alone: a step then has one barrier (the
 * loss's gather of embeddings), and the result is the same with any worker count that divides G.
 */
import { SiameseError } from '@siamese-sdk/core';

/** Row counts of the G contiguous groups of an n-row batch: as equal as possible, larger groups first. */
export function groupRows(n: number, groups: number): number[] {
  checkBatchNormGroups(groups, 1);
  if (n < groups) {
    throw new SiameseError('INVALID_ARGUMENT', `step: a batch of ${n} cannot be cut into ${groups} batch-norm groups`, { n, batchNormGroups: groups });
  }
  return Array.from({ length: groups }, (_, g) => Math.floor(n / groups) + (g < n % groups ? 1 : 0));
}

/** Checked when a stepper is created: each worker must hold whole groups (or all workers share one). */
export function checkBatchNormGroups(groups: number, workers: number): void {
  if (!Number.isInteger(groups) || groups < 1) {
    throw new SiameseError('INVALID_ARGUMENT', `batchNormGroups must be a positive integer, got ${String(groups)}`, { batchNormGroups: groups });
  }
  if (groups > 1 && groups % workers !== 0) {
    throw new SiameseError(
      'INVALID_ARGUMENT',
      `batchNormGroups ${groups} cannot be shared by ${workers} workers: use 1 (statistics of the whole batch) or a multiple of ${workers}`,
      { batchNormGroups: groups, workers },
    );
  }
}
