/**
 * Collective operations between worker threads over a SharedArrayBuffer. A worker blocks (Atomics.wait) inside a
 * tfjs forward or backward pass until its peers arrive — which is what lets batch-norm statistics and the loss be
 * computed over the whole batch while each worker holds only its shard.
 *
 * Layout: Int32 control words [arrived, generation, length₀ … length_{W−1}], then two banks of W float slots of
 * `capacity` floats. Operations alternate banks, so one barrier per operation suffices: a replica can only
 * overwrite bank b again after every replica has passed the next barrier, i.e. finished reading bank b.
 */
import { SiameseError } from '@siamese-sdk/core';
import type { Collective } from './collective.js';

/** How long a replica busy-waits at a barrier before it sleeps (ms). */
const SPIN_MS = 20;
const ARRIVED = 0;
const GENERATION = 1;
const LENGTHS = 2;
/** Control words, padded to 8-byte alignment of the float region. */
function controlWords(size: number): number {
  return (LENGTHS + 2 * size + 1) & ~1;
}

export function sharedCollectiveBytes(size: number, capacity: number): number {
  return controlWords(size) * 4 + 2 * size * capacity * 4;
}

export class SharedMemoryCollective implements Collective {
  private readonly control: Int32Array;
  private readonly data: Float32Array;
  private readonly capacity: number;
  private operation = 0;

  constructor(
    buffer: SharedArrayBuffer,
    readonly rank: number,
    readonly size: number,
    /** How long to wait for peers before declaring the step failed (ms). */
    private readonly timeoutMs = 120_000,
  ) {
    const words = controlWords(size);
    this.control = new Int32Array(buffer, 0, words);
    this.data = new Float32Array(buffer, words * 4);
    this.capacity = Math.floor(this.data.length / (2 * size));
  }

  allReduceSum(values: Float32Array): Float32Array {
    const parts = this.allGather(values);
    const out = new Float32Array(values.length);
    for (const part of parts) {
      if (part.length !== values.length) throw new Error('allReduceSum: replicas passed different lengths');
      for (let i = 0; i < out.length; i++) out[i] += part[i];
    }
    return out;
  }

  allGather(values: Float32Array): Float32Array[] {
    if (values.length > this.capacity) {
      throw new Error(`collective buffer holds ${this.capacity} floats per replica, ${values.length} requested`);
    }
    const bank = this.operation++ & 1;
    const slot = (r: number): number => (bank * this.size + r) * this.capacity;
    this.data.set(values, slot(this.rank));
    Atomics.store(this.control, LENGTHS + bank * this.size + this.rank, values.length);
    this.barrier();
    const parts: Float32Array[] = [];
    for (let r = 0; r < this.size; r++) {
      const length = Atomics.load(this.control, LENGTHS + bank * this.size + r);
      parts.push(this.data.slice(slot(r), slot(r) + length));
    }
    return parts;
  }

  private barrier(): void {
    const generation = Atomics.load(this.control, GENERATION);
    if (Atomics.add(this.control, ARRIVED, 1) === this.size - 1) {
      Atomics.store(this.control, ARRIVED, 0);
      Atomics.add(this.control, GENERATION, 1);
      Atomics.notify(this.control, GENERATION);
      return;
    }
    // Spin before sleeping: the peers are usually a few milliseconds behind, and a thread that sleeps in
    // Atomics.wait leaves its virtual CPU idle — on a VM the hypervisor may then deschedule that vCPU, and waking it
    // again costs far more than the wait itself, about 13 times a step. Measured here: see the train bench's
    // side-by-side pair, which has no barriers.
    const spinUntil = performance.now() + SPIN_MS;
    while (Atomics.load(this.control, GENERATION) === generation && performance.now() < spinUntil) {
      // busy-wait
    }
    while (Atomics.load(this.control, GENERATION) === generation) {
      if (Atomics.wait(this.control, GENERATION, generation, this.timeoutMs) === 'timed-out') {
        throw new SiameseError('BACKEND', `Data-parallel worker ${this.rank} waited ${this.timeoutMs} ms for its peers`);
      }
    }
  }
}
