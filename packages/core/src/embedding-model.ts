/**
 * The model-independent half of every SDK: batched embedding over an abstract {@link EmbeddingBackend},
 * similarity, ranking and support sets. An adapter (Node, web) supplies the backend and a decoder for its own
 * input types; everything else — preprocessing, batching, normalisation, calibration, errors — is this one class.
 */
import { dot, distanceFromSimilarity, l2NormalizeInPlace } from './distance.js';
import { unitEmbedding } from './embedding-vector.js';
import type { EmbeddingBackend } from './embedding-backend.js';
import { SiameseError } from './errors.js';
import type { RawImage } from './image.js';
import { InferenceQueue, disposedError } from './inference-queue.js';
import type { SupportEntries } from './inputs.js';
import { type ModelMetadata, distanceToProbability } from './metadata.js';
import { resolveBatchSize } from './load-options.js';
import { preprocessImage } from './preprocess.js';
import { type RankOptions, type RankResult, resolveRankOptions } from './rank.js';
import { SupportSet, type SupportSetJSON, type SupportSetModel, type SupportSetOptions } from './support-set.js';

/** An image already turned into the model's input values (C·H·W floats, per the metadata), e.g. by a worker. */
export interface PreprocessedImage {
  readonly preprocessed: Float32Array;
}

/** What a decoder hands back: pixels to preprocess, or values already preprocessed. */
export type DecodedImage = RawImage | PreprocessedImage;

/**
 * Turns one caller input into pixels. `index` is its position in the caller's batch (for error messages) and
 * `count` the batch's size (an adapter may decode large batches in parallel workers and single images inline).
 */
export type ImageDecoder<TInput> = (input: TInput, index: number, count: number) => Promise<DecodedImage> | DecodedImage;

/**
 * Reads, when a call is made, what an input holds that its owner may change before decoding runs — pixel buffers —
 * and returns an input to decode later in its place (e.g. a private copy; see core's captureRawImage). Anything else
 * is returned as it is. It may throw: the input's error then arrives in index order, as a decoding error would.
 */
export type ImageCapture<TInput> = (input: TInput) => TInput;

export interface EmbeddingModelOptions<TInput> {
  metadata: ModelMetadata;
  backend: EmbeddingBackend;
  decode: ImageDecoder<TInput>;
  /** The model's identity (see modelFingerprint), stamped into stored support sets. */
  fingerprint: string;
  /** Images per inference run (default 64). */
  batchSize?: number;
  /** See {@link ImageCapture}; without it, inputs are read when they are decoded. */
  capture?: ImageCapture<TInput>;
}

/** An input whose capture failed: its error is reported when the batch reaches it, so the first bad index wins. */
class CaptureFailure {
  constructor(readonly error: unknown) {}
}

export interface SimilarityResult {
  /** The model's distance (euclidean or cosine, per its metadata). */
  distance: number;
  /** Cosine similarity of the unit-length embeddings, in [-1, 1]. */
  similarity: number;
  /** Calibrated probability that both images show the same class. */
  probability: number;
  /** Whether the distance is within the model's calibrated threshold. */
  same: boolean;
}

/** Batches decoded ahead of the one being embedded. */
export const PREFETCH_BATCHES = 2;
/**
 * One-image input buffers kept for reuse: a sequential loop needs one, two overlapping callers two; a burst of
 * concurrent calls allocates the rest and lets them go (a large model's buffers are not all kept).
 */
const INPUT_POOL_SIZE = 2;

export class EmbeddingModel<TInput> implements SupportSetModel<TInput> {
  readonly metadata: ModelMetadata;
  readonly fingerprint: string;
  readonly batchSize: number;
  private readonly backend: EmbeddingBackend;
  private readonly decode: ImageDecoder<TInput>;
  private readonly capture: ImageCapture<TInput> | undefined;
  private readonly queue: InferenceQueue;
  private readonly inputSize: number;
  /**
   * Input buffers of finished one-image calls, reused by the next (see embedOne): slots [0, freeCount) hold them.
   * A fixed array with a count, because a push/pop array would reallocate its storage around every call.
   */
  private readonly freeInputs: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(INPUT_POOL_SIZE).fill(undefined);
  private freeCount = 0;
  private disposed = false;
  private disposing: Promise<void> | undefined;

  constructor(options: EmbeddingModelOptions<TInput>) {
    const { metadata, backend, decode, fingerprint } = options;
    const batchSize = resolveBatchSize(options.batchSize);
    this.metadata = metadata;
    this.fingerprint = fingerprint;
    this.batchSize = batchSize;
    this.backend = backend;
    this.decode = decode;
    this.capture = options.capture;
    this.inputSize = metadata.input.channels * metadata.input.width * metadata.input.height;
    this.queue = new InferenceQueue(backend, this.inputSize, metadata.output.size, Math.max(batchSize, 256));
  }

  /** What runs the model ("cpu", "cuda", "wasm", "webgpu", ...). */
  get device(): string {
    return this.backend.device;
  }

  get embeddingSize(): number {
    return this.metadata.output.size;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Unit-length embedding(s): one `Float32Array` for one image, an array of them for an array of images. */
  embed(input: TInput): Promise<Float32Array>;
  embed(inputs: readonly TInput[]): Promise<Float32Array[]>;
  async embed(input: TInput | readonly TInput[]): Promise<Float32Array | Float32Array[]> {
    if (Array.isArray(input)) return this.embedBatch(input as readonly TInput[]);
    const [embedding] = await this.embedBatch([input as TInput]);
    return embedding;
  }

  /**
   * Embeds in batches of {@link batchSize}. Decoding runs up to {@link PREFETCH_BATCHES} batches ahead of
   * inference, so parallel decoders (worker threads) never wait for the model and the model rarely waits for them.
   */
  embedBatch(inputs: readonly TInput[]): Promise<Float32Array[]> {
    // One image (every `rank` query, every `embed(image)`) skips the batch machinery: it is the hot path of a
    // serving loop, and the prefetch map, settled-promise arrays and per-item closures were most of its garbage.
    // Both paths are async functions, so every failure (disposed model included) still arrives as a rejection.
    return Array.isArray(inputs) && inputs.length === 1 ? this.embedOne(inputs[0]) : this.embedMany(inputs);
  }

  private async embedMany(inputs: readonly TInput[]): Promise<Float32Array[]> {
    this.assertUsable();
    if (!Array.isArray(inputs)) throw new SiameseError('INVALID_ARGUMENT', 'expected an array of images');
    // Later changes to the caller's array, or to pixels its images hold, cannot affect this call.
    const items = Array.from(inputs, this.captureOrFailure);
    const result: Float32Array[] = new Array(items.length);
    const starts: number[] = [];
    for (let start = 0; start < items.length; start += this.batchSize) starts.push(start);
    const prepared = new Map<number, Promise<Float32Array>>();
    const prepare = (b: number): void => {
      if (b >= starts.length || prepared.has(b)) return;
      const p = this.prepareBatch(items, starts[b], Math.min(items.length, starts[b] + this.batchSize));
      p.catch(() => undefined); // observed below; keeps an early failure from being reported as unhandled
      prepared.set(b, p);
    };
    for (let b = 0; b < starts.length; b++) {
      for (let ahead = 0; ahead <= PREFETCH_BATCHES; ahead++) prepare(b + ahead);
      const tensor = await prepared.get(b)!;
      prepared.delete(b);
      this.assertUsable();
      const n = Math.min(this.batchSize, items.length - starts[b]);
      const output = await this.queue.run(tensor, n);
      for (let i = 0; i < n; i++) result[starts[b] + i] = this.finishRow(output.slice(i * this.embeddingSize, (i + 1) * this.embeddingSize), starts[b] + i);
    }
    return result;
  }

  /**
   * {@link embedBatch} of one image (index 0): decode, preprocess into a pooled input buffer, run, check. Written
   * as a promise chain through callbacks made once per model rather than as an async function: no frame, awaits
   * or closures per query.
   */
  private embedOne(item: TInput): Promise<Float32Array[]> {
    let decoded: DecodedImage | PromiseLike<DecodedImage>;
    try {
      this.assertUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      decoded = this.decode(this.capture ? this.capture(item) : item, 0, 1);
    } catch (error) {
      return Promise.reject(annotate(error, 0));
    }
    return Promise.resolve(decoded).then(this.runDecodedOne, annotateFirst);
  }

  private readonly captureOrFailure = (item: TInput): TInput | CaptureFailure => {
    if (!this.capture) return item;
    try {
      return this.capture(item);
    } catch (error) {
      return new CaptureFailure(error);
    }
  };

  private readonly runDecodedOne = (decoded: DecodedImage): Promise<Float32Array[]> => {
    let tensor: Float32Array;
    if (this.freeCount > 0) {
      tensor = this.freeInputs[--this.freeCount]!;
      this.freeInputs[this.freeCount] = undefined;
    } else {
      tensor = new Float32Array(this.inputSize);
    }
    try {
      this.fillInput(tensor, 0, decoded, 0);
      this.assertUsable();
    } catch (error) {
      this.releaseInput(tensor);
      throw error;
    }
    return this.queue.run(tensor, 1, this.releaseInput).then(this.finishOne);
  };

  private readonly finishOne = (output: Float32Array): Float32Array[] => {
    // The backend hands over its output (EmbeddingBackend.run) and the queue copies shared outputs, so a one-row
    // output that owns its whole buffer is already a private copy; anything else is copied as in a batch.
    const D = this.embeddingSize;
    const own = output.length === D && output.byteOffset === 0 && output.buffer.byteLength === output.byteLength;
    return [this.finishRow(own ? output : output.slice(0, D), 0)];
  };

  /**
   * Takes back a one-image input buffer. The queue calls this only once the backend's run has finished with it
   * (or will never start), and a backend may not keep its input after resolving: the next call can fill it.
   */
  private readonly releaseInput = (input: Float32Array): void => {
    if (this.freeCount < INPUT_POOL_SIZE) this.freeInputs[this.freeCount++] = input;
  };

  /** Decodes items [start, end) concurrently and preprocesses them into one NCHW tensor. */
  private async prepareBatch(items: readonly (TInput | CaptureFailure)[], start: number, end: number): Promise<Float32Array> {
    const settled = await Promise.allSettled(
      items.slice(start, end).map(async (item, i) => {
        if (item instanceof CaptureFailure) throw item.error;
        return this.decode(item, start + i, items.length);
      }),
    );
    const tensor = new Float32Array((end - start) * this.inputSize);
    // Report the first failing index (not the first to fail in time), so errors are deterministic.
    settled.forEach((s, i) => {
      if (s.status === 'rejected') throw annotate(s.reason, start + i);
      this.fillInput(tensor, i, s.value, start + i);
    });
    return tensor;
  }

  /** Writes one decoded image's model input into row `row` of `tensor`; errors name `index`. */
  private fillInput(tensor: Float32Array, row: number, decoded: DecodedImage, index: number): void {
    try {
      if (isPreprocessed(decoded)) {
        if (decoded.preprocessed.length !== this.inputSize) {
          throw new SiameseError('MODEL_SHAPE', `preprocessed image has ${decoded.preprocessed.length} values, the model takes ${this.inputSize}`);
        }
        tensor.set(decoded.preprocessed, row * this.inputSize);
      } else {
        preprocessImage(decoded, this.metadata, { out: tensor, offset: row * this.inputSize });
      }
    } catch (error) {
      throw annotate(error, index);
    }
  }

  /** Validates (and, for unnormalised models, normalises) one embedding the caller will own. */
  private finishRow(e: Float32Array, index: number): Float32Array {
    // A damaged or hostile weight file can load and still compute NaN/Infinity; ranking with those would
    // silently return NaN scores, so refuse them here (the only place every embedding passes).
    for (let j = 0; j < e.length; j++) {
      if (!Number.isFinite(e[j])) {
        throw new SiameseError('MODEL_INVALID', `the model computed a non-finite embedding (${e[j]}) for image ${index}: its weights are damaged`, { index });
      }
    }
    if (!this.metadata.output.normalized) l2NormalizeInPlace(e);
    return e;
  }

  /** Distance, cosine similarity, calibrated probability and same/different for two images. */
  async similarity(a: TInput, b: TInput): Promise<SimilarityResult> {
    const [ea, eb] = await this.embedBatch([a, b]);
    return this.compareEmbeddings(ea, eb);
  }

  /** {@link similarity} for two embeddings already computed by this model. */
  compareEmbeddings(a: Float32Array, b: Float32Array): SimilarityResult {
    // Checked and compared as unit-length copies, as SupportSet.rankEmbedding does with a query.
    const D = this.metadata.output.size;
    const ua = unitEmbedding(a, D, 'embedding a (first argument)');
    const ub = unitEmbedding(b, D, 'embedding b (second argument)');
    const similarity = Math.min(1, Math.max(-1, dot(ua, ub)));
    const distance = distanceFromSimilarity(similarity, this.metadata.distance);
    return {
      distance,
      similarity,
      probability: distanceToProbability(distance, this.metadata.calibration),
      same: distance <= this.metadata.calibration.threshold,
    };
  }

  /** A reusable support set: its images are embedded now, once. */
  supportSet(entries: SupportEntries<TInput>, options?: SupportSetOptions): Promise<SupportSet<TInput>> {
    this.assertUsable();
    return SupportSet.create(this, entries, options);
  }

  /** Reloads a stored support set (see SupportSet.toJSON); refused unless this same model made it. */
  supportSetFromJSON(json: string | SupportSetJSON, options?: SupportSetOptions): SupportSet<TInput> {
    this.assertUsable();
    return SupportSet.fromJSON(this, json, options);
  }

  /**
   * Ranks the labels of `support` by similarity to `query`. Pass a SupportSet to reuse cached embeddings; other
   * forms are embedded for this call only.
   */
  async rank(query: TInput, support: SupportSet<TInput> | SupportEntries<TInput>, options?: RankOptions): Promise<RankResult> {
    this.assertUsable();
    // The query is read now, not once the support entries are embedded. A capture that fails leaves it as it is:
    // embedding it fails again, with the query's error, where the query is embedded.
    const captured = this.captureOrFailure(query);
    if (!(captured instanceof CaptureFailure)) query = captured;
    let set: SupportSet<TInput>;
    if (support instanceof SupportSet) set = support;
    else {
      resolveRankOptions(options, this.metadata.calibration); // bad options fail before any support image is embedded
      set = await this.supportSet(support);
    }
    if (set.model.fingerprint !== this.fingerprint || set.embeddingSize !== this.embeddingSize) {
      throw new SiameseError('INVALID_ARGUMENT', 'the support set was made by a different model; build it with this model');
    }
    // The query is embedded by this model, even when another loaded copy of the same file built the set (and may be
    // disposed by now).
    return set.rankWith(this, query, options);
  }

  /**
   * Releases the backend. Queued work fails with MODEL_DISPOSED; a run already executing finishes first, so the
   * runtime is never freed under it. Later calls fail with MODEL_DISPOSED. Safe to call twice.
   */
  dispose(): Promise<void> {
    this.disposed = true;
    this.disposing ??= this.queue.close().then(() => this.backend.dispose());
    return this.disposing;
  }

  private assertUsable(): void {
    if (this.disposed) throw disposedError();
  }
}

/** Rejection handler for the decoding of a one-image call. */
function annotateFirst(error: unknown): never {
  throw annotate(error, 0);
}

function isPreprocessed(value: DecodedImage): value is PreprocessedImage {
  return (value as PreprocessedImage).preprocessed instanceof Float32Array;
}

/** Names the batch index in an error (typed errors keep their code; anything else becomes IMAGE_DECODE). */
function annotate(error: unknown, index: number): SiameseError {
  if (error instanceof SiameseError) {
    return error.details.index === index ? error : error.withDetails({ index }, `image ${index}${error.details.path ? ` (${String(error.details.path)})` : ''}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SiameseError('IMAGE_DECODE', `image ${index}: could not be decoded (${message})`, { index }, { cause: error });
}
