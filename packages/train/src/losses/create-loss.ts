/** Validates a LossConfig and builds its LossFn; bad configs fail here, before any training work starts. */
import { SiameseError } from '@siamese-sdk/core';
import type { LossConfig, LossFn, Mining } from './loss.js';
import { contrastiveLoss } from './contrastive.js';
import { tripletLoss } from './triplet.js';
import { prototypicalLoss } from './prototypical.js';
import { mineBatchAll } from './miners/batch-all.js';
import { mineBatchHard } from './miners/batch-hard.js';
import { mineSemiHard } from './miners/semi-hard.js';
import type { TripletMiner } from './miners/triplets.js';

export const LOSS_KINDS = ['contrastive', 'triplet', 'proto'] as const;
export const MINING_KINDS: readonly Mining[] = ['all', 'hard', 'semihard'];

export const TRIPLET_MINERS: Record<Mining, TripletMiner> = {
  all: mineBatchAll,
  hard: mineBatchHard,
  semihard: mineSemiHard,
};

function checkMargin(kind: string, margin: unknown): number {
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin <= 0) {
    throw new SiameseError('INVALID_ARGUMENT', `The ${kind} loss needs a margin > 0, got ${String(margin)}`, { margin });
  }
  return margin;
}

/** Throws SiameseError('INVALID_ARGUMENT') naming what is wrong; returns the config when it is valid. */
export function validateLossConfig(config: LossConfig): LossConfig {
  const kind = (config as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case 'contrastive':
      checkMargin(kind, (config as { margin?: unknown }).margin);
      return config;
    case 'triplet': {
      checkMargin(kind, (config as { margin?: unknown }).margin);
      const mining = (config as { mining?: unknown }).mining;
      if (!MINING_KINDS.includes(mining as Mining)) {
        throw new SiameseError('INVALID_ARGUMENT', `Unknown mining "${String(mining)}" (${MINING_KINDS.join(', ')})`, { mining });
      }
      return config;
    }
    case 'proto': {
      const scale = (config as { scale?: unknown }).scale;
      if (scale !== undefined && (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0)) {
        throw new SiameseError('INVALID_ARGUMENT', `The proto loss needs a scale > 0, got ${String(scale)}`, { scale });
      }
      return config;
    }
    default:
      throw new SiameseError('INVALID_ARGUMENT', `Unknown loss "${String(kind)}" (${LOSS_KINDS.join(', ')})`, { loss: kind });
  }
}

export function createLoss(config: LossConfig): LossFn {
  const valid = validateLossConfig(config);
  switch (valid.kind) {
    case 'contrastive':
      return contrastiveLoss(valid.margin);
    case 'triplet':
      return tripletLoss(valid.margin, TRIPLET_MINERS[valid.mining]);
    case 'proto':
      return prototypicalLoss(valid.scale ?? 1);
  }
}
