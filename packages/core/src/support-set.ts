/**
 * A reusable support set: labelled example images embedded once and cached, compiled into an
 * {@link EmbeddingIndex} for fast ranking, editable (add / remove) and storable without the images
 * (toJSON / fromJSON, with strict validation because stored sets are untrusted input).
 */
import type { ApproximateIndex } from './approximate-index.js';
import { type ApproximateIndexOptions, validateApproximateIndexOptions } from './approximate-index-options.js';
import { approximateIndexBuilder, loadApproximateIndex } from './approximate-index-provider.js';
import { buildEmbeddingIndex, type EmbeddingIndex } from './embedding-index.js';
import { normalizeUnlessUnit, unitEmbedding } from './embedding-vector.js';
import { SiameseError } from './errors.js';
import { assertLabel, normalizeSupportEntries, type SupportEntries } from './inputs.js';
import type { ModelMetadata } from './metadata.js';
import { type RankOptions, type RankResult, type ResolvedRankOptions, rankEmbedding, resolveRankOptions } from './rank.js';

/** What a support set needs from its model: identity, metadata and batched embedding. */
export interface SupportSetModel<TInput> {
  readonly metadata: ModelMetadata;
  /** See {@link modelFingerprint}. */
  readonly fingerprint: string;
  /** Unit-length embeddings, one per input, in order; errors name the failing input's index. */
  embedBatch(inputs: readonly TInput[]): Promise<Float32Array[]>;
}

export const SUPPORT_SET_FORMAT = 'siamese-sdk/support-set';
export const SUPPORT_SET_VERSION = 1;

/** The stored form of a support set: embeddings only, tied to the model that made them. */
export interface SupportSetJSON {
  format: typeof SUPPORT_SET_FORMAT;
  version: typeof SUPPORT_SET_VERSION;
  model: { name: string; fingerprint: string; embeddingSize: number };
  labels: { label: string; embeddings: number[][] }[];
}

/** How a set searches: 'exact' (default) scans every embedding; 'approximate' uses an {@link ApproximateIndex}. */
export type SupportSetSearch = 'exact' | 'approximate' | 'auto';

export interface SupportSetOptions {
  /** 'exact' (default), 'approximate', or 'auto': approximate from {@link AUTO_APPROXIMATE_LABELS} labels on. */
  index?: SupportSetSearch;
  /** Tuning of the approximate index (cells, probes). */
  approximate?: ApproximateIndexOptions;
}

/** From this many labels on, `index: 'auto'` switches to approximate search (exact takes > ~20 ms here). */
export const AUTO_APPROXIMATE_LABELS = 250_000;

export class SupportSet<TInput> {
  private readonly groups = new Map<string, Float32Array[]>();
  private compiled: EmbeddingIndex | undefined;
  private approximate: ApproximateIndex | undefined;
  private search: Required<Pick<SupportSetOptions, 'index'>> & Pick<SupportSetOptions, 'approximate'> = { index: 'exact' };

  private constructor(readonly model: SupportSetModel<TInput>, options?: SupportSetOptions) {
    if (options) this.setSearch(options);
  }

  /**
   * Embeds every image of `entries` (one batched pass) into a new set. A set that may search approximately also
   * waits for the approximate index to load where an SDK loads it lazily (see approximate-index-provider.ts), so
   * its synchronous `rankEmbedding` searches approximately from the start.
   */
  static async create<TInput>(model: SupportSetModel<TInput>, entries: SupportEntries<TInput>, options?: SupportSetOptions): Promise<SupportSet<TInput>> {
    const set = new SupportSet(model, options);
    // 'approximate' starts the load beside the embedding; 'auto' only once the set turns out large enough to use it
    // (a small 'auto' set searches exactly and needs no chunk, nor fails for want of one).
    const early = set.search.index === 'approximate' ? loadApproximateIndex() : undefined;
    // Awaited below, after the embedding (whose errors come first); meanwhile a failed load is not "unhandled".
    early?.catch(() => {});
    await set.add(entries);
    if (set.searchKind === 'approximate') await (early ?? loadApproximateIndex());
    return set;
  }

  /** An empty set to fill with {@link add} or {@link addEmbeddings}. */
  static empty<TInput>(model: SupportSetModel<TInput>, options?: SupportSetOptions): SupportSet<TInput> {
    return new SupportSet(model, options);
  }

  /**
   * Chooses exact or approximate search for later `rank` calls (the approximate index is built on first use). Where
   * the approximate index loads lazily (web), asking for it starts the load; synchronous `rankEmbedding` calls made
   * before it has arrived search exactly, `rank` waits for it.
   */
  setSearch(options: SupportSetOptions): this {
    const { index = 'exact', approximate } = options;
    if (index !== 'exact' && index !== 'approximate' && index !== 'auto') {
      throw new SiameseError('INVALID_ARGUMENT', `index must be "exact", "approximate" or "auto", got ${String(index)}`);
    }
    if (approximate !== undefined) validateApproximateIndexOptions(approximate);
    this.search = { index, approximate };
    this.approximate = undefined;
    // A head start for later calls, when this set would search approximately now; a failure is reported by the next
    // `rank`, which tries again.
    if (this.searchKind === 'approximate') loadApproximateIndex()?.catch(() => {});
    return this;
  }

  /** The search the next `rank` call uses ('auto' resolved against the current size). */
  get searchKind(): 'exact' | 'approximate' {
    const { index } = this.search;
    return index === 'approximate' || (index === 'auto' && this.groups.size >= AUTO_APPROXIMATE_LABELS) ? 'approximate' : 'exact';
  }

  /**
   * The approximate index over the label prototypes, built on first use after a change; undefined when the search
   * is exact — including an approximate set whose SDK has not provided (or not yet loaded) the index: it then ranks
   * exactly, with the same answers, only slower (approximate search is a speed option, never a different result
   * set to rely on). See approximate-index-provider.ts.
   */
  approximateIndex(): ApproximateIndex | undefined {
    if (this.searchKind === 'exact') return undefined;
    const build = approximateIndexBuilder();
    if (build === undefined) return undefined;
    const index = this.index();
    this.approximate ??= build(index.prototypes, index.dim, this.search.approximate);
    return this.approximate;
  }

  /** Labels in insertion order. */
  get labels(): string[] {
    return [...this.groups.keys()];
  }

  /** Number of labels. */
  get size(): number {
    return this.groups.size;
  }

  /** Number of stored example embeddings over all labels. */
  get exampleCount(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.length;
    return n;
  }

  get embeddingSize(): number {
    return this.model.metadata.output.size;
  }

  has(label: string): boolean {
    return this.groups.has(label);
  }

  /** Copies of a label's example embeddings (empty when the label is absent). */
  embeddingsOf(label: string): Float32Array[] {
    return (this.groups.get(label) ?? []).map((e) => e.slice());
  }

  /**
   * Embeds and adds images (same forms as creation); images for an existing label extend it. All or nothing: when
   * one image fails, the set is unchanged and the error names its label and position.
   */
  async add(entries: SupportEntries<TInput>): Promise<this> {
    const groups = normalizeSupportEntries(entries);
    const flat = groups.flatMap((g) => g.images);
    let embeddings: Float32Array[];
    try {
      embeddings = await this.model.embedBatch(flat);
    } catch (error) {
      throw locate(error, groups.map((g) => ({ label: g.label, count: g.images.length })));
    }
    let o = 0;
    for (const g of groups) {
      this.append(g.label, embeddings.slice(o, o + g.images.length));
      o += g.images.length;
    }
    return this;
  }

  /**
   * Adds precomputed embeddings for a label: an array of them, or one Float32Array. Each is checked (length,
   * finite, not all zero) and stored as a unit-length copy; when one is refused, none is added.
   */
  addEmbeddings(label: string, embeddings: readonly Float32Array[] | Float32Array): this {
    assertLabel(label);
    const list: readonly unknown[] = embeddings instanceof Float32Array ? [embeddings] : embeddings;
    if (!Array.isArray(list)) {
      throw new SiameseError('INVALID_ARGUMENT', `label "${label}": embeddings must be a Float32Array or an array of them`, { label });
    }
    if (list.length === 0) throw new SiameseError('SUPPORT_LABEL_EMPTY', `label "${label}" has no embeddings`, { label });
    const copies = list.map((e, i) => unitEmbedding(e, this.embeddingSize, `label "${label}": embedding ${i}`, { label, index: i }));
    this.append(label, copies);
    return this;
  }

  /** Removes a label; returns whether it was there. */
  remove(label: string): boolean {
    const removed = this.groups.delete(label);
    if (removed) this.invalidate();
    return removed;
  }

  /** Embeds `query` and ranks the labels by similarity to it. */
  rank(query: TInput, options?: RankOptions): Promise<RankResult> {
    return this.rankWith(this.model, query, options);
  }

  /**
   * The same, with the query embedded by `model`: another loaded instance of the model that built this set (same
   * fingerprint), e.g. after the first was disposed. The caller checks that they match.
   * @internal
   */
  rankWith(model: SupportSetModel<TInput>, query: TInput, options?: RankOptions): Promise<RankResult> {
    // Not an async function (a serving loop's hot path: its frame and await were garbage per query); every
    // failure still arrives as a rejection.
    let resolved: ResolvedRankOptions;
    try {
      resolved = resolveRankOptions(options, this.model.metadata.calibration);
      if (this.groups.size === 0) throw new SiameseError('SUPPORT_SET_EMPTY', 'the support set has no labels');
    } catch (error) {
      return Promise.reject(error);
    }
    let embedded: Promise<Float32Array[]>;
    try {
      embedded = model.embedBatch([query]);
    } catch (error) {
      embedded = Promise.reject(error); // a model whose embedBatch throws synchronously: still the query's error
    }
    const rank = (embeddings: Float32Array[]): RankResult => rankEmbedding(this.index(), embeddings[0], resolved, this.model.metadata, this.approximateIndex());
    // An approximate set whose index loads lazily (web) waits for it on its first query; afterwards this is undefined.
    const loaded = this.searchKind === 'approximate' ? loadApproximateIndex() : undefined;
    if (loaded) return Promise.all([embedded.then(undefined, queryError), loaded]).then(([embeddings]) => rank(embeddings));
    return embedded.then(rank, queryError);
  }

  /**
   * Ranks an already computed query embedding: no inference, just the matrix product. It is checked as
   * addEmbeddings checks embeddings (NaN, infinite or all-zero values are INVALID_ARGUMENT) and ranked as a
   * unit-length copy, so the scores stay cosine similarities in [-1, 1].
   */
  rankEmbedding(embedding: Float32Array, options?: RankOptions): RankResult {
    const resolved = resolveRankOptions(options, this.model.metadata.calibration);
    const query = unitEmbedding(embedding, this.embeddingSize, 'query embedding');
    if (this.groups.size === 0) throw new SiameseError('SUPPORT_SET_EMPTY', 'the support set has no labels');
    return rankEmbedding(this.index(), query, resolved, this.model.metadata, this.approximateIndex());
  }

  /** The compiled index (built on first use after a change). */
  index(): EmbeddingIndex {
    this.compiled ??= buildEmbeddingIndex([...this.groups].map(([label, embeddings]) => ({ label, embeddings })), this.embeddingSize);
    return this.compiled;
  }

  toJSON(): SupportSetJSON {
    const { metadata, fingerprint } = this.model;
    return {
      format: SUPPORT_SET_FORMAT,
      version: SUPPORT_SET_VERSION,
      model: { name: metadata.name, fingerprint, embeddingSize: metadata.output.size },
      labels: [...this.groups].map(([label, embeddings]) => ({ label, embeddings: embeddings.map((e) => Array.from(e)) })),
    };
  }

  /**
   * Rebuilds a stored set for `model`. The payload is untrusted: anything malformed, made by another model, or
   * carrying NaN/Infinity, non-unit vectors, reserved keys or oversized labels is refused with SUPPORT_SET_INVALID.
   */
  static fromJSON<TInput>(model: SupportSetModel<TInput>, json: string | SupportSetJSON, options?: SupportSetOptions): SupportSet<TInput> {
    const stored = parseSupportSetJSON(json, model);
    const set = new SupportSet(model, options);
    for (const { label, embeddings } of stored) set.append(label, embeddings);
    return set;
  }

  private append(label: string, embeddings: Float32Array[]): void {
    const group = this.groups.get(label);
    if (group) group.push(...embeddings);
    else this.groups.set(label, embeddings);
    this.invalidate();
  }

  private invalidate(): void {
    this.compiled = undefined;
    this.approximate = undefined;
  }
}

/** Marks a failure to embed a rank query as the query's. */
function queryError(error: unknown): never {
  throw error instanceof SiameseError ? error.withDetails({ query: true }, 'query image') : error;
}

/** Rewrites an embedding error's flat batch index into the label and position the caller used. */
function locate(error: unknown, groups: { label: string; count: number }[]): unknown {
  if (!(error instanceof SiameseError) || typeof error.details.index !== 'number') return error;
  let i = error.details.index;
  for (const g of groups) {
    if (i < g.count) {
      // "image 3 (path): …" (the flat batch position) becomes "label "b", image 0 (path): …": one position, the caller's.
      const flat = `image ${error.details.index}`;
      const rest = error.message.startsWith(flat) ? error.message.slice(flat.length) : `: ${error.message}`;
      const details = { ...error.details, label: g.label, index: i, batchIndex: error.details.index };
      return new SiameseError(error.code, `label "${g.label}", image ${i}${rest}`, details, { cause: error.cause ?? error });
    }
    i -= g.count;
  }
  return error;
}

function invalid(message: string, extra: Record<string, unknown> = {}): never {
  throw new SiameseError('SUPPORT_SET_INVALID', `stored support set is invalid: ${message}`, extra);
}

/** Own keys must be exactly the expected ones: refuses `__proto__`, `constructor` and any extra field. */
function exactKeys(value: unknown, keys: readonly string[], where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`${where} must be an object`);
  const own = Object.getOwnPropertyNames(value);
  for (const k of own) if (!keys.includes(k)) invalid(`${where} has an unexpected key "${k.slice(0, 40)}"`);
  for (const k of keys) if (!own.includes(k)) invalid(`${where} lacks "${k}"`);
  return value as Record<string, unknown>;
}

/** Tolerance for stored vectors' length: float32 rounding of a unit vector is far inside it. */
const UNIT_TOLERANCE = 1e-3;

function parseSupportSetJSON(json: unknown, model: SupportSetModel<unknown>): { label: string; embeddings: Float32Array[] }[] {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      invalid(`not valid JSON (${(error as Error).message})`);
    }
  }
  const top = exactKeys(value, ['format', 'version', 'model', 'labels'], 'the record');
  if (top.format !== SUPPORT_SET_FORMAT) invalid(`format must be "${SUPPORT_SET_FORMAT}"`);
  if (top.version !== SUPPORT_SET_VERSION) invalid(`unsupported version ${String(top.version).slice(0, 20)}; this SDK reads version ${SUPPORT_SET_VERSION}`);
  const stored = exactKeys(top.model, ['name', 'fingerprint', 'embeddingSize'], 'model');
  const dim = model.metadata.output.size;
  if (stored.embeddingSize !== dim) invalid(`it was made with ${String(stored.embeddingSize).slice(0, 20)}-value embeddings; this model makes ${dim}`);
  if (stored.fingerprint !== model.fingerprint) {
    invalid(`it was made by another model (fingerprint ${String(stored.fingerprint).slice(0, 32)}, this model is ${model.fingerprint})`, { fingerprint: model.fingerprint });
  }
  if (!Array.isArray(top.labels)) invalid('labels must be an array');
  const seen = new Set<string>();
  return top.labels.map((entry: unknown, i: number) => {
    const { label, embeddings } = exactKeys(entry, ['label', 'embeddings'], `labels[${i}]`);
    try {
      assertLabel(label, 'SUPPORT_SET_INVALID');
    } catch (error) {
      invalid(`labels[${i}]: ${(error as Error).message}`, { index: i });
    }
    if (seen.has(label)) invalid(`label "${label}" appears twice`, { label });
    seen.add(label);
    if (!Array.isArray(embeddings) || embeddings.length === 0) invalid(`label "${label}" has no embeddings`, { label });
    const vectors = embeddings.map((e: unknown, j: number) => {
      if (!Array.isArray(e) || e.length !== dim) invalid(`label "${label}", embedding ${j} must be an array of ${dim} numbers`, { label, index: j });
      const v = new Float32Array(dim);
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        const x = e[d];
        if (typeof x !== 'number' || !Number.isFinite(x)) invalid(`label "${label}", embedding ${j} has a non-finite value at ${d}`, { label, index: j });
        v[d] = x;
        norm += v[d] * v[d];
      }
      if (Math.abs(Math.sqrt(norm) - 1) > UNIT_TOLERANCE) invalid(`label "${label}", embedding ${j} is not unit length`, { label, index: j });
      // Re-normalise only vectors visibly off unit length: a stored float32 unit vector keeps its exact bits.
      normalizeUnlessUnit(v);
      return v;
    });
    return { label, embeddings: vectors };
  });
}
