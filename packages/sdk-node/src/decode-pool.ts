/**
 * A small pool of decode workers (one per core by default) shared by every model in the process. Reading,
 * decoding and preprocessing a file costs about as much CPU as inferring it (small PNGs: ~0.3 ms on the fast PNG
 * path, over 1.3 ms with jimp), so batches of files fan out over all cores while the main thread runs inference.
 *
 * Jobs wait in ONE first-in-first-out queue and each worker holds at most {@link IN_FLIGHT_PER_WORKER} at a time:
 * images then finish in submission order, so the first batch of a large call is ready first and inference can
 * start while later batches decode. Workers are held (ref'd) only while they have jobs, so an idle pool never keeps the process
 * alive; a crashed worker fails its jobs with a typed error and is replaced.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type PreprocessTarget, SiameseError } from '@siamese-sdk/core';
import type { PngDecoderChoice } from './decode-bytes.js';
import type { DecodeJob, DecodeReply } from './decode-protocol.js';
import { decodeWorkerPath } from './package-paths.js';

/**
 * Jobs queued per worker. Inference runs on the main thread and blocks it for a whole batch (64 images, several
 * ms), during which no new job can be handed out; a worker then keeps decoding only if it already holds its share
 * of the next batch (a small PNG takes ~0.3 ms). Measured on 2 cores: 32 gave ~10–20% more images/s than 2–4.
 */
const IN_FLIGHT_PER_WORKER = 32;

interface QueuedJob {
  job: DecodeJob;
  transfer: ArrayBuffer[];
  resolve(tensor: Float32Array): void;
  reject(error: SiameseError): void;
}

class PoolWorker {
  readonly inFlight = new Map<number, QueuedJob>();
  private readonly worker: Worker;
  dead = false;

  constructor(file: string, onIdle: () => void) {
    // No inherited execArgv: flags meant for the caller's entry (e.g. `--input-type` with `-e`) break a worker.
    this.worker = new Worker(file, { execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (reply: DecodeReply) => {
      const queued = this.inFlight.get(reply.id);
      if (!queued) return;
      this.inFlight.delete(reply.id);
      if (this.inFlight.size === 0) this.worker.unref();
      if (reply.ok) queued.resolve(reply.tensor);
      else queued.reject(new SiameseError(reply.code, reply.message, reply.details));
      onIdle();
    });
    const die = (why: string) => {
      if (this.dead) return;
      this.dead = true;
      for (const q of this.inFlight.values()) q.reject(new SiameseError('IMAGE_DECODE', `decode worker stopped (${why})`));
      this.inFlight.clear();
      onIdle();
    };
    this.worker.on('error', (error) => die(error.message));
    this.worker.on('exit', (code) => die(`exit code ${code}`));
  }

  post(queued: QueuedJob): void {
    this.inFlight.set(queued.job.id, queued);
    this.worker.ref();
    try {
      this.worker.postMessage(queued.job, queued.transfer);
    } catch (error) {
      // Not sendable (cannot happen with the copies decode() makes, but a job must never be left waiting).
      this.inFlight.delete(queued.job.id);
      if (this.inFlight.size === 0) this.worker.unref();
      queued.reject(new SiameseError('IMAGE_DECODE', `could not be sent to a decode worker (${(error as Error)?.message ?? String(error)})`));
    }
  }

  /**
   * Fails the jobs this worker holds, then stops it. They must be failed here: the worker's exit event comes after
   * `dead` is set, so die() would skip them and their callers would wait for ever.
   */
  terminate(why: string): Promise<number> {
    this.dead = true;
    const jobs = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const q of jobs) q.reject(new SiameseError('IMAGE_DECODE', why));
    return this.worker.terminate();
  }
}

export class DecodePool {
  private workers: PoolWorker[] = [];
  private readonly queue: QueuedJob[] = [];
  private head = 0;
  private nextId = 1;
  /** Set by close(): a decode that took this pool before it closed (then awaited a fetch) must not start a worker. */
  private closed = false;

  constructor(
    private readonly file: string,
    readonly size: number,
  ) {}

  /** Decodes and preprocesses a file or encoded bytes on a worker. */
  decode(source: { path: string } | { bytes: Uint8Array }, options: { maxPixels: number; png: PngDecoderChoice }, target: PreprocessTarget): Promise<Float32Array> {
    // Bytes go as an exact copy whose buffer is transferred: the caller's buffer is never moved or touched, and
    // a small view over a large (or pooled) ArrayBuffer does not drag the whole buffer along. (`new Uint8Array`,
    // not `.slice()`: a Buffer's slice is a view, and transferring its ArrayBuffer detached the caller's Buffer.)
    if (this.closed) return Promise.reject(new SiameseError('IMAGE_DECODE', 'decode pool closed'));
    const bytes = 'bytes' in source ? new Uint8Array(source.bytes) : undefined;
    const job: DecodeJob = {
      id: this.nextId++,
      maxPixels: options.maxPixels,
      png: options.png,
      target: { input: target.input, preprocess: target.preprocess },
      ...(bytes ? { bytes } : { path: (source as { path: string }).path }),
    };
    return new Promise((resolve, reject) => {
      this.queue.push({ job, transfer: bytes ? [bytes.buffer as ArrayBuffer] : [], resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    this.workers = this.workers.filter((w) => !w.dead);
    while (this.head < this.queue.length) {
      let worker = this.workers.find((w) => w.inFlight.size < IN_FLIGHT_PER_WORKER);
      if (!worker && this.workers.length < this.size) {
        worker = new PoolWorker(this.file, () => this.dispatch());
        this.workers.push(worker);
      }
      if (!worker) return;
      worker.post(this.queue[this.head]);
      this.queue[this.head++] = undefined as never; // release the job (and its bytes) for GC
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    const waiting = this.queue.splice(this.head);
    this.queue.length = 0;
    this.head = 0;
    for (const q of waiting) q.reject(new SiameseError('IMAGE_DECODE', 'decode pool closed'));
    await Promise.all(workers.map((w) => w.terminate('decode pool closed')));
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
