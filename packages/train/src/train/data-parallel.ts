/**
 * The data-parallel TrainStepper: W worker threads, each with its own wasm backend and model replica, share every
 * step. The main thread holds the master weights and the optimiser; per step it sends the weights and a
 * contiguous shard of rows to each worker, sums the returned gradients and applies Adam.
 *
 * Why the gradients are summed, not averaged: the workers do not compute W separate losses on their shards. Batch
 * norm uses statistics of the whole batch (sums all-reduced between workers) and every worker computes the loss
 * on the whole batch's embeddings (gathered through shared memory), so batch-hard/semi-hard mining and
 * prototypical episodes see all classes, exactly as with one thread. Each worker's gradient is its rows' share of
 * ∂L/∂w, and the shares add up to the single-thread gradient (up to float rounding). Any shard split is valid, so
 * shards are simply contiguous and equal-sized. BN moving statistics come from those whole-batch statistics,
 * identical on every worker (we take worker 0's).
 *
 * With batch-norm groups (batchNormGroups = G, a multiple of W; see batch-norm-groups.ts) each worker takes G/W
 * whole groups and normalises them alone: no batch-norm exchange, one barrier per step (the embeddings' gather),
 * and the same step as one thread with the same G. Moving statistics are then the mean over all groups.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SiameseError, type SiameseErrorCode } from '@siamese-sdk/core';
import { currentModuleFile } from '../backend/module-location.js';
import { blockWidths, embeddingDimension } from '../model/build-embedding-net.js';
import { episodeLayout } from '../losses/prototypical.js';
import type { LossConfig } from '../losses/loss.js';
import type { MainToWorker, WorkerInit, WorkerToMain } from './data-parallel-protocol.js';
import { MasterBackedStepper } from './master-backed-stepper.js';
import type { MasterModel } from './master-model.js';
import { groupRows } from './batch-norm-groups.js';
import { sharedCollectiveBytes } from './shared-memory-collective.js';
import { checkStepArguments } from './step-arguments.js';
import type { BackendPreference, ImageBatch, KernelSet, StepResult, TrainStepper } from './stepper.js';

/**
 * dist/stepper-worker.js next to the running bundle. Under vitest the TypeScript sources run directly
 * (src/train/*.ts), so the worker comes from the built package: tests that use workers run after `build`.
 */
export function stepperWorkerScript(): string {
  const here = currentModuleFile();
  return here.endsWith('.ts') ? resolve(dirname(here), '../../dist/stepper-worker.js') : resolve(dirname(here), 'stepper-worker.js');
}

interface Pending {
  resolve: (message: Extract<WorkerToMain, { type: 'result' }>) => void;
  reject: (error: Error) => void;
}

class WorkerHandle {
  private pending: Pending | null = null;
  private readyWaiter: Pending | null = null;
  failure: Error | null = null;

  constructor(readonly worker: Worker, readonly rank: number) {
    worker.on('message', (message: WorkerToMain) => this.onMessage(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`worker ${rank} exited (code ${code})`)));
  }

  ready(): Promise<string> {
    return new Promise((resolveReady, reject) => {
      this.readyWaiter = { resolve: (m) => resolveReady(String((m as unknown as { backend: string }).backend)), reject };
    });
  }

  run(message: MainToWorker, transfer: ArrayBuffer[]): Promise<Extract<WorkerToMain, { type: 'result' }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolveResult, reject) => {
      this.pending = { resolve: resolveResult, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  private onMessage(message: WorkerToMain): void {
    if (message.type === 'ready') {
      this.readyWaiter?.resolve(message as never);
      this.readyWaiter = null;
    } else if (message.type === 'result') {
      const p = this.pending;
      this.pending = null;
      p?.resolve(message);
    } else {
      const error = message.code
        ? new SiameseError(message.code as SiameseErrorCode, message.message, { worker: this.rank })
        : new SiameseError('BACKEND', `Data-parallel worker ${this.rank}: ${message.message}`, { worker: this.rank });
      this.fail(error);
    }
  }

  private fail(error: Error): void {
    if (this.failure == null) this.failure = error;
    this.readyWaiter?.reject(error);
    this.pending?.reject(error);
    this.readyWaiter = null;
    this.pending = null;
  }
}

export interface DataParallelOptions {
  workers: number;
  backend: BackendPreference;
  kernels: KernelSet;
  seed: number;
  loss: LossConfig;
  /** See TrainStepperOptions.batchNormGroups (1 or a multiple of `workers`; checked by createTrainStepper). */
  batchNormGroups?: number;
}

export class DataParallelStepper extends MasterBackedStepper implements TrainStepper {
  private buffer: SharedArrayBuffer | null = null;
  private capacity = 0;
  private stepId = 0;
  private broken: Error | null = null;
  private closed = false;

  private constructor(
    readonly backend: string,
    master: MasterModel,
    private readonly handles: WorkerHandle[],
    private readonly loss: LossConfig,
    private readonly batchNormGroups: number,
  ) {
    super(master);
  }

  get workers(): number {
    return this.handles.length;
  }

  static async start(master: MasterModel, options: DataParallelOptions): Promise<DataParallelStepper> {
    const script = stepperWorkerScript();
    if (!existsSync(script)) {
      throw new SiameseError('BACKEND', `The data-parallel worker script is missing: ${script} (build the package first)`, { path: script });
    }
    const handles: WorkerHandle[] = [];
    for (let rank = 0; rank < options.workers; rank++) {
      const init: WorkerInit = {
        rank,
        size: options.workers,
        net: master.net,
        loss: options.loss,
        backend: options.backend,
        kernels: options.kernels,
        seed: options.seed,
      };
      handles.push(new WorkerHandle(new Worker(script, { workerData: init }), rank));
    }
    try {
      const backends = await Promise.all(handles.map((h) => h.ready()));
      return new DataParallelStepper(backends[0], master, handles, options.loss, options.batchNormGroups ?? 1);
    } catch (error) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw error;
    }
  }

  async step(batch: ImageBatch, lr: number): Promise<StepResult> {
    if (this.closed) throw new SiameseError('INVALID_ARGUMENT', 'step: the stepper was disposed');
    if (this.broken) throw new SiameseError('BACKEND', `A data-parallel worker failed earlier: ${this.broken.message}`);
    const { inputSize, channels } = this.master.net;
    const perImage = inputSize * inputSize * channels;
    checkStepArguments(batch, lr, perImage);
    const w = this.handles.length;
    if (batch.n < w) {
      throw new SiameseError('INVALID_ARGUMENT', `step: a batch of ${batch.n} cannot be split over ${w} workers`, { n: batch.n, workers: w });
    }
    // Errors that depend only on the labels are raised here, so they never reach (and stop) the workers.
    if (this.loss.kind === 'proto') episodeLayout(batch.labels);

    // Shards: with batch-norm groups, each worker takes whole groups (G / W of them); otherwise equal row counts.
    const grouped = this.batchNormGroups > 1 ? groupRows(batch.n, this.batchNormGroups) : null;
    const perWorker = grouped ? this.batchNormGroups / w : 0;
    const groupsOf = (r: number): number[] | undefined => grouped?.slice(r * perWorker, (r + 1) * perWorker);
    const rows = Array.from({ length: w }, (_, r) =>
      grouped ? groupsOf(r)!.reduce((a, b) => a + b, 0) : Math.floor(batch.n / w) + (r < batch.n % w ? 1 : 0),
    );
    const newBuffer = this.ensureCapacity(Math.max(...rows));
    const id = ++this.stepId;
    let start = 0;
    const runs = this.handles.map((handle, r) => {
      const images = batch.images.slice(start * perImage, (start + rows[r]) * perImage);
      start += rows[r];
      const message: MainToWorker = {
        type: 'step',
        id,
        weights: this.master.weights,
        images,
        rows: rows[r],
        labels: batch.labels,
        ...(grouped ? { groups: groupsOf(r) } : {}),
        ...(newBuffer ? { buffer: newBuffer } : {}),
      };
      return handle.run(message, [images.buffer as ArrayBuffer]);
    });
    let results: Array<Extract<WorkerToMain, { type: 'result' }>>;
    try {
      results = await Promise.all(runs);
    } catch (error) {
      // A worker may have failed between two collective operations while its peers wait on it: give up on this
      // set of workers rather than risk a hang.
      this.broken = error as Error;
      await Promise.all(this.handles.map((h) => h.worker.terminate()));
      throw error;
    }
    const gradients = new Float32Array(this.master.layout.size);
    for (const result of results) for (let i = 0; i < gradients.length; i++) gradients[i] += result.gradients[i];
    // Whole-batch statistics are the same on every worker; per-group ones are averaged over the workers' groups.
    const batchNorm = grouped ? averageOf(results.map((r) => r.batchNorm)) : results[0].batchNorm;
    this.master.applyDeferred(gradients, lr, batchNorm);
    return { loss: results[0].loss };
  }

  /** Returns a new, larger collective buffer when this batch needs one (sent to the workers with the step). */
  private ensureCapacity(maxRows: number): SharedArrayBuffer | null {
    const d = embeddingDimension(this.master.net);
    // Batch norm exchanges 2·channels + 1 floats (forward: mean, spread, count; backward: two sums).
    const needed = Math.max(maxRows * d, 2 * Math.max(...blockWidths(this.master.net)) + 1);
    if (this.buffer != null && needed <= this.capacity) return null;
    this.capacity = Math.ceil(needed * 1.25);
    this.buffer = new SharedArrayBuffer(sharedCollectiveBytes(this.handles.length, this.capacity));
    return this.buffer;
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.handles.map(async (h) => {
        if (h.failure == null) h.worker.postMessage({ type: 'close' } satisfies MainToWorker);
        await h.worker.terminate();
      }),
    );
    this.master.disposeModel();
  }
}

/** Element-wise mean of equal-length vectors (each worker holds the same number of groups). */
function averageOf(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0].length);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i] += v[i];
  for (let i = 0; i < out.length; i++) out[i] /= vectors.length;
  return out;
}
