/** Messages between the data-parallel stepper (main thread) and its worker threads. */
import type { LossConfig } from '../losses/loss.js';
import type { NetConfig } from '../model/net-config.js';
import type { BackendPreference, KernelSet } from './stepper.js';

export interface WorkerInit {
  rank: number;
  size: number;
  net: NetConfig;
  loss: LossConfig;
  backend: BackendPreference;
  kernels: KernelSet;
  seed: number;
}

export type MainToWorker =
  | {
      type: 'step';
      id: number;
      /** Current trainable weights, flat, in layout order. */
      weights: Float32Array;
      /** This worker's rows. */
      images: Float32Array;
      rows: number;
      /** Labels of the whole batch. */
      labels: Int32Array;
      /** This worker's batch-norm groups (row counts), normalised without exchange; absent = whole-batch batch norm. */
      groups?: number[];
      /** A new collective buffer, sent when the batch outgrows the previous one. */
      buffer?: SharedArrayBuffer;
    }
  | { type: 'close' };

export type WorkerToMain =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; loss: number; gradients: Float32Array; batchNorm: Float32Array }
  | { type: 'error'; id: number; code?: string; message: string };
