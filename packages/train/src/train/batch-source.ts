/**
 * Where training batches come from: a sampler over the training pool (P×K class-balanced by default; random
 * balanced pairs or random triplets as alternatives), optional Koch distortions, a seeded RNG for each so that
 * the stream of batches is a function of the seed and the step — and restorable from a checkpoint.
 */
import { KOCH_AFFINE } from '../augment/affine.js';
import type { ClassPool } from '../data/class-pool.js';
import { assembleBatch } from '../sampling/assemble.js';
import { samplePairs } from '../sampling/pairs.js';
import { samplePK } from '../sampling/pk-batch.js';
import { Rng, type RngState } from '../sampling/rng.js';
import type { SampledImage } from '../sampling/sampled-image.js';
import { sampleTriplets } from '../sampling/triplets.js';
import type { ImageBatch } from './stepper.js';

export type SamplerKind = 'pk' | 'pairs' | 'triplets';

export interface BatchSourceOptions {
  sampler: SamplerKind;
  /** P classes × K images per class (pk); pairs/triplets use P·K images in total. */
  classesPerBatch: number;
  imagesPerClass: number;
  /** pk: the P classes come from this many groups (0 / absent: from the whole pool). */
  groupsPerBatch?: number;
  augment: boolean;
  seed: number;
}

export class BatchSource {
  private readonly sampleRng: Rng;
  private readonly augmentRng: Rng;

  constructor(
    private readonly pool: ClassPool,
    private readonly options: BatchSourceOptions,
  ) {
    this.sampleRng = new Rng(options.seed * 2 + 1);
    this.augmentRng = new Rng(options.seed * 2 + 2);
  }

  get batchSize(): number {
    return this.options.classesPerBatch * this.options.imagesPerClass;
  }

  next(): ImageBatch {
    const { sampler, classesPerBatch: p, imagesPerClass: k } = this.options;
    let items: SampledImage[];
    if (sampler === 'pairs') items = samplePairs(this.pool, this.sampleRng, Math.floor((p * k) / 2)).items;
    else if (sampler === 'triplets') items = sampleTriplets(this.pool, this.sampleRng, Math.floor((p * k) / 3));
    else items = samplePK(this.pool, this.sampleRng, p, k, { groups: this.options.groupsPerBatch });
    return assembleBatch(this.pool, items, this.options.augment ? { augment: KOCH_AFFINE, rng: this.augmentRng } : {});
  }

  getState(): Record<string, RngState> {
    return { sample: this.sampleRng.getState(), augment: this.augmentRng.getState() };
  }

  setState(state: Record<string, RngState>): void {
    if (state.sample) this.sampleRng.setState(state.sample);
    if (state.augment) this.augmentRng.setState(state.augment);
  }
}
