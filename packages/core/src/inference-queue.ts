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
  resolve(output: Float32Array): void;
  reject(error: unknown): void;
}

export class InferenceQueue {
  private pending: Request[] = [];
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly backend: EmbeddingBackend,
    /** Values per input item (C·H·W) and per output row (D), to split coalesced batches. */
    private readonly inputSize: number,
    private readonly outputSize: number,
    /** Coalesce up to this many items into one run. */
    private readonly maxBatch: number,
  ) {}

  /** Resolves to the `n × D` output for `n` items (NCHW in `input`). */
  run(input: Float32Array, n: number): Promise<Float32Array> {
    if (this.closed) return Promise.reject(disposedError());
    return new Promise((resolve, reject) => {
      this.pending.push({ input, n, resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Fails queued requests, waits for the run in flight, and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    const queued = this.pending;
    this.pending = [];
    for (const r of queued) r.reject(disposedError());
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0 && !this.closed) {
      const group = this.takeGroup();
      const n = group.reduce((s, r) => s + r.n, 0);
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
      try {
        const output = await this.backend.run(input, n);
        if (output.length !== n * this.outputSize) {
          throw new SiameseError(
            'MODEL_SHAPE',
            `the model returned ${output.length} values for ${n} images; its metadata says ${this.outputSize} per image`,
            { expected: n * this.outputSize, actual: output.length },
          );
        }
        let o = 0;
        for (const r of group) {
          // A private copy per caller when the output was shared, so no caller can see another's rows.
          r.resolve(group.length === 1 ? output : output.slice(o, o + r.n * this.outputSize));
          o += r.n * this.outputSize;
        }
      } catch (error) {
        const wrapped = error instanceof SiameseError ? error : new SiameseError('BACKEND', `inference failed: ${(error as Error)?.message ?? String(error)}`, {}, { cause: error });
        for (const r of group) r.reject(wrapped);
      }
    }
    this.running = undefined;
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

export function disposedError(): SiameseError {
  return new SiameseError('MODEL_DISPOSED', 'the model has been disposed; load it again to keep using it');
}
