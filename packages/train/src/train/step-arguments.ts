/** Checks a step's batch and learning rate before any work, with errors that say what is wrong. */
import { SiameseError } from '@siamese-sdk/core';
import type { ImageBatch } from './stepper.js';
import { checkImages } from './master-model.js';

export function checkStepArguments(batch: ImageBatch, lr: number, perImage: number): void {
  if (batch == null || typeof batch !== 'object') throw new SiameseError('INVALID_ARGUMENT', 'step: batch is missing');
  checkImages(batch.images, batch.n, perImage, 'step');
  if (!(batch.labels instanceof Int32Array) || batch.labels.length !== batch.n) {
    throw new SiameseError('INVALID_ARGUMENT', `step: expected ${batch.n} labels (Int32Array), got ${batch.labels?.length ?? 'none'}`, {
      n: batch.n,
    });
  }
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
    throw new SiameseError('INVALID_ARGUMENT', `step: learning rate must be a positive number, got ${String(lr)}`, { lr });
  }
}
