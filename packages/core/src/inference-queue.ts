/**
 * Serialises a backend's runs and coalesces the requests that pile up while one is running into a single
 * batch: many concurrent one-image calls (e.g. 1,000 simultaneous `rank` queries) become a few large runs, which
 * is where inference engines are efficient. Also the single place that knows whether a run is in flight, so
 * disposal can wait for it and fail everything still queued cleanly.
 */
import type { EmbeddingBackend } from './embedding-backend.js';
import { SiameseError } from './errors.js';

interface Request {
  input: Float32Array;
  n: number;
  /** Told when the backend is done with `input` (or will never see it), before the request settles. */
  release: ((input: Float32Array) => void) | undefined;
  resolve(output: Float32Array): void;
  reject(error: unknown): void;
}

/** Fills the reused one-request group between runs. */
const NO_REQUEST: Request = { input: new Float32Array(0), n: 0, release: undefined, resolve() {}, reject() {} };

export class InferenceQueue {
  private pending: Request[] = [];
  /** The group array of a request that found the queue idle, reused run after run. */
  private readonly solo: Request[] = [NO_REQUEST];
  /** The requests whose run is in flight; undefined while idle. */
  private inFlight: Request[] | undefined;
  /** close() callers waiting for the run in flight to finish. */
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  // Callbacks made once, not per run: a serving loop runs this once per query, and an async drain loop with its
  // awaits was a large share of each one-image call's garbage.
  private readonly onOutput = (output: Float32Array): void => this.finish(true, output);
  private readonly onFailure = (error: unknown): void => this.finish(false, error);

  constructor(
    private readonly backend: EmbeddingBackend,
    /** Values per input item (C·H·W) and per output row (D), to split coalesced batches. */
    private readonly inputSize: number,
    private readonly outputSize: number,
    /** Coalesce up to this many items into one run. */
    private readonly maxBatch: number,
  ) {}

  /**
   * Resolves to the `n × D` output for `n` items (NCHW in `input`). `release`, when given, is called with `input`
   * once nothing will read it any more (before the returned promise settles), so the caller can reuse it.
   */
  run(input: Float32Array, n: number, release?: (input: Float32Array) => void): Promise<Float32Array> {
    if (this.closed) {
      release?.(input);
      return Promise.reject(disposedError());
    }
    return new Promise((resolve, reject) => {
      const request: Request = { input, n, release, resolve, reject };
      if (this.inFlight || this.pending.length > 0) {
        this.pending.push(request);
        if (!this.inFlight) this.startNext();
      } else {
        // Idle (every call of a sequential loop): run it at once in the reused one-request group, without a
        // round trip through the pending list and a new group array.
        this.solo[0] = request;
        this.start(this.solo);
      }
    });
  }

  /** Fails queued requests, waits for the run in flight, and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    const queued = this.pending;
    this.pending = [];
    for (const r of queued) {
      r.release?.(r.input);
      r.reject(disposedError());
    }
    if (this.inFlight) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Starts one run over the requests queued now (coalesced up to maxBatch), or goes idle. */
  private startNext(): void {
    if (this.pending.length === 0 || this.closed) {
      this.inFlight = undefined;
      if (this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
      return;
    }
    this.start(this.takeGroup());
  }

  private start(group: Request[]): void {
    this.inFlight = group;
    const n = itemCount(group);
    let input: Float32Array;
    if (group.length === 1) input = group[0].input;
    else {
      input = new Float32Array(n * this.inputSize);
      let o = 0;
      for (const r of group) {
        input.set(r.input.subarray(0, r.n * this.inputSize), o);
        o += r.n * this.inputSize;
      }
    }
    let output: Promise<Float32Array>;
    try {
      output = this.backend.run(input, n);
    } catch (error) {
      output = Promise.reject(error);
    }
    output.then(this.onOutput, this.onFailure);
  }

  /** Settles the group in flight with its run's output (`ok`) or failure, then starts the next run. */
  private finish(ok: boolean, value: unknown): void {
    const group = this.inFlight!;
    for (let i = 0; i < group.length; i++) group[i].release?.(group[i].input);
    try {
      if (!ok) throw value;
      const output = value as Float32Array;
      const n = itemCount(group);
      if (output.length !== n * this.outputSize) {
        throw new SiameseError(
          'MODEL_SHAPE',
          `the model returned ${output.length} values for ${n} images; its metadata says ${this.outputSize} per image`,
          { expected: n * this.outputSize, actual: output.length },
        );
      }
      let o = 0;
      for (let i = 0; i < group.length; i++) {
        const r = group[i];
        // A private copy per caller when the output was shared, so no caller can see another's rows.
        r.resolve(group.length === 1 ? output : output.slice(o, o + r.n * this.outputSize));
        o += r.n * this.outputSize;
      }
    } catch (error) {
      const wrapped = error instanceof SiameseError ? error : new SiameseError('BACKEND', `inference failed: ${(error as Error)?.message ?? String(error)}`, {}, { cause: error });
      for (const r of group) r.reject(wrapped);
    }
    if (group === this.solo) this.solo[0] = NO_REQUEST; // don't keep the finished request (and its buffers) alive
    this.startNext();
  }

  private takeGroup(): Request[] {
    const group: Request[] = [];
    let items = 0;
    while (this.pending.length > 0) {
      const next = this.pending[0];
      if (group.length > 0 && items + next.n > this.maxBatch) break;
      group.push(this.pending.shift()!);
      items += next.n;
    }
    return group;
  }
}

function itemCount(group: readonly Request[]): number {
  let n = 0;
  for (let i = 0; i < group.length; i++) n += group[i].n;
  return n;
}

export function disposedError(): SiameseError {
  return new SiameseError('MODEL_DISPOSED', 'the model has been disposed; load it again to keep using it');
}
