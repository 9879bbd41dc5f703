/**
 * Learning-rate schedules for Adam, as a pure function of the step (so a resumed run needs no schedule state):
 * - 'step': the base rate, multiplied by `factor` (default 0.5: halving) at each milestone, given as fractions
 *   of the run (default 1/3 and 2/3 — what the probe used);
 * - 'cosine': cosine decay from the base rate to `minFactor` × base over the run (Loshchilov & Hutter 2017);
 * - 'constant'.
 * Any schedule may start with a linear warm-up over `warmupSteps` steps.
 */
import { SiameseError } from '@siamese-sdk/core';

export type LrSchedule =
  | { kind: 'constant'; warmupSteps?: number }
  | { kind: 'step'; milestones?: number[]; factor?: number; warmupSteps?: number }
  | { kind: 'cosine'; minFactor?: number; warmupSteps?: number };

export const SCHEDULE_KINDS = ['step', 'cosine', 'constant'] as const;

/** Learning rate for 1-based `step` of a `totalSteps` run. */
export function learningRate(baseLr: number, schedule: LrSchedule, step: number, totalSteps: number): number {
  const warmup = schedule.warmupSteps ?? 0;
  const warm = warmup > 0 && step <= warmup ? step / warmup : 1;
  const t = Math.min(1, Math.max(0, (step - 1) / Math.max(1, totalSteps)));
  switch (schedule.kind) {
    case 'constant':
      return baseLr * warm;
    case 'step': {
      const milestones = schedule.milestones ?? [1 / 3, 2 / 3];
      const passed = milestones.filter((m) => t >= m).length;
      return baseLr * warm * (schedule.factor ?? 0.5) ** passed;
    }
    case 'cosine': {
      const min = schedule.minFactor ?? 0.01;
      return baseLr * warm * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * t)));
    }
  }
}

export function parseSchedule(kind: string): LrSchedule {
  if (!(SCHEDULE_KINDS as readonly string[]).includes(kind)) {
    throw new SiameseError('INVALID_ARGUMENT', `unknown learning-rate schedule "${kind}" (${SCHEDULE_KINDS.join(', ')})`);
  }
  return { kind } as LrSchedule;
}
