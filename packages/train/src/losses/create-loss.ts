/** Validates a LossConfig and builds its LossFn; bad configs fail here, before any training work starts. */
import { SiameseError } from '@siamese-sdk/core';
import type { LossConfig, LossContext, LossFn, Mining } from './loss.js';
import { contrastiveLoss } from './contrastive.js';
import { tripletLoss } from './triplet.js';
import { prototypicalLoss } from './prototypical.js';
import { proxyLoss } from './proxy.js';
import { mineBatchAll } from './miners/batch-all.js';
import { mineBatchHard } from './miners/batch-hard.js';
import { mineSemiHard } from './miners/semi-hard.js';
import type { TripletMiner } from './miners/triplets.js';

export const LOSS_KINDS = ['contrastive', 'triplet', 'proto', 'proxy'] as const;
export const MINING_KINDS: readonly Mining[] = ['all', 'hard', 'semihard'];

export const TRIPLET_MINERS: Record<Mining, TripletMiner> = {
  all: mineBatchAll,
  hard: mineBatchHard,
  semihard: mineSemiHard,
};

/** Margins and scales: a finite number > 0 (or, when `optional`, absent). `key` names it in the error's details. */
function checkPositive(kind: string, what: string, key: string, value: unknown, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new SiameseError('INVALID_ARGUMENT', `The ${kind} loss needs a ${what} > 0, got ${String(value)}`, { [key]: value });
  }
}

/** Throws SiameseError('INVALID_ARGUMENT') naming what is wrong; returns the config when it is valid. */
export function validateLossConfig(config: LossConfig): LossConfig {
  const kind = (config as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case 'contrastive':
      checkPositive(kind, 'margin', 'margin', (config as { margin?: unknown }).margin);
      return config;
    case 'triplet': {
      checkPositive(kind, 'margin', 'margin', (config as { margin?: unknown }).margin);
      const mining = (config as { mining?: unknown }).mining;
      if (!MINING_KINDS.includes(mining as Mining)) {
        throw new SiameseError('INVALID_ARGUMENT', `Unknown mining "${String(mining)}" (${MINING_KINDS.join(', ')})`, { mining });
      }
      return config;
    }
    case 'proto':
      checkPositive(kind, 'scale', 'scale', (config as { scale?: unknown }).scale, true);
      return config;
    case 'proxy': {
      const { classes, scale, margin, learningRateScale } = config as { classes?: unknown; scale?: unknown; margin?: unknown; learningRateScale?: unknown };
      if (classes !== undefined && !(Number.isInteger(classes) && (classes as number) >= 2)) {
        throw new SiameseError('INVALID_ARGUMENT', `The proxy loss needs at least 2 classes, got ${String(classes)}`, { classes: String(classes) });
      }
      checkPositive(kind, 'scale', 'scale', scale, true);
      checkPositive(kind, 'learning-rate scale', 'learningRateScale', learningRateScale, true);
      // A cosine margin: 0 (plain normalised softmax) up to below 1 (cosines lie in [−1, 1]).
      if (margin !== undefined && (typeof margin !== 'number' || !(margin >= 0 && margin < 1))) {
        throw new SiameseError('INVALID_ARGUMENT', `The proxy loss needs a margin in [0, 1), got ${String(margin)}`, { margin });
      }
      return config;
    }
    default:
      throw new SiameseError('INVALID_ARGUMENT', `Unknown loss "${String(kind)}" (${LOSS_KINDS.join(', ')})`, { loss: kind });
  }
}

/** `context` is needed by losses with parameters (proxy): their shape depends on the embedding width. */
export function createLoss(config: LossConfig, context?: LossContext): LossFn {
  const valid = validateLossConfig(config);
  switch (valid.kind) {
    case 'contrastive':
      return contrastiveLoss(valid.margin);
    case 'triplet':
      return tripletLoss(valid.margin, TRIPLET_MINERS[valid.mining]);
    case 'proto':
      return prototypicalLoss(valid.scale ?? 1);
    case 'proxy':
      if (valid.classes === undefined) {
        throw new SiameseError('INVALID_ARGUMENT', 'The proxy loss needs the number of training classes (loss.classes)', {});
      }
      if (context === undefined) throw new SiameseError('INVALID_ARGUMENT', 'The proxy loss needs the embedding size to build its proxies', {});
      return proxyLoss({ classes: valid.classes, embeddingSize: context.embeddingSize, scale: valid.scale, margin: valid.margin, learningRateScale: valid.learningRateScale, seed: context.seed });
  }
}
