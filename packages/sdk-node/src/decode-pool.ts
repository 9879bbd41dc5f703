/**
 * A small pool of decode workers (one per core by default) shared by every model in the process. Decoding, not
 * inference, bounds throughput for batches of files (jimp decodes a few hundred to ~730 small PNGs/s per core), so
 * batches fan out over all cores. Workers are held (ref'd) only while they have jobs, so an idle pool never keeps
 * the process alive; a crashed worker fails its jobs with a typed error and is replaced on the next job.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type PreprocessTarget, SiameseError } from '@siamese-sdk/core';
import type { DecodeJob, DecodeReply } from './decode-protocol.js';
import { decodeWorkerPath } from './package-paths.js';

interface Pending {
  resolve(tensor: Float32Array): void;
  reject(error: SiameseError): void;
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  private readonly worker: Worker;
  dead = false;

  constructor(file: string) {
    // No inherited execArgv: flags meant for the caller's entry (e.g. `--input-type` with `-e`) break a worker.
    this.worker = new Worker(file, { execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (reply: DecodeReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) p.resolve(reply.tensor);
      else p.reject(new SiameseError(reply.code, reply.message, reply.details));
    });
    const die = (why: string) => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(new SiameseError('IMAGE_DECODE', `decode worker stopped (${why})`));
      this.pending.clear();
    };
    this.worker.on('error', (error) => die(error.message));
    this.worker.on('exit', (code) => die(`exit code ${code}`));
  }

  post(job: DecodeJob, pending: Pending, transfer: ArrayBuffer[]): void {
    this.pending.set(job.id, pending);
    this.worker.ref();
    this.worker.postMessage(job, transfer);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class DecodePool {
  private workers: PoolWorker[] = [];
  private nextId = 1;

  constructor(
    private readonly file: string,
    readonly size: number,
  ) {}

  /** Decodes and preprocesses a file or encoded bytes on the least busy worker. */
  decode(source: { path: string } | { bytes: Uint8Array }, maxPixels: number, target: PreprocessTarget): Promise<Float32Array> {
    const worker = this.pickWorker();
    const id = this.nextId++;
    // Bytes go as an exact copy whose buffer is transferred: the caller's buffer is never moved or touched, and
    // a small view over a large (or pooled) ArrayBuffer does not drag the whole buffer along.
    const bytes = 'bytes' in source ? source.bytes.slice() : undefined;
    const job: DecodeJob = { id, maxPixels, target: { input: target.input, preprocess: target.preprocess }, ...(bytes ? { bytes } : { path: (source as { path: string }).path }) };
    return new Promise((resolve, reject) => worker.post(job, { resolve, reject }, bytes ? [bytes.buffer as ArrayBuffer] : []));
  }

  private pickWorker(): PoolWorker {
    this.workers = this.workers.filter((w) => !w.dead);
    if (this.workers.length < this.size) {
      const w = new PoolWorker(this.file);
      this.workers.push(w);
      return w;
    }
    return this.workers.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

let shared: DecodePool | null | undefined;

/** The process-wide pool, or null when no built worker exists (decoding then stays on the calling thread). */
export function sharedDecodePool(): DecodePool | null {
  if (shared === undefined) {
    const file = decodeWorkerPath();
    shared = file ? new DecodePool(file, Math.max(1, availableParallelism())) : null;
  }
  return shared;
}

/** Stops the shared pool's workers (tests, short-lived scripts); a later decode starts new ones. */
export async function closeDecodePool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
