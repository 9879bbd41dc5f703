/**
 * Where the demo runs the model: on the page, or in a module Web Worker (?worker=1) so the page never blocks.
 * Both sides speak the same small interface; the worker side is rank-worker.ts.
 */
import { loadModel, type DeviceRequest, type RankMatch, type SiameseModel, type SupportSet, type WebImageInput } from '@siamese-sdk/web';

export interface RankerInfo {
  device: string;
  threads: number;
  modelName: string;
}

/** A ranking as plain data (structured-clone safe: RankResult's summary fields live on an array). */
export interface Ranking {
  matches: RankMatch[];
  accepted: boolean;
  threshold: number;
  labels: number;
  examples: number;
}

export interface Ranker {
  readonly info: RankerInfo;
  /** Embeds the support images once; later `rank` calls reuse them. */
  setSupport(entries: Record<string, (File | string)[]>): Promise<void>;
  rank(query: File | string): Promise<Ranking>;
}

export interface RankerOptions {
  modelUrl: string | undefined;
  device: DeviceRequest;
}

/** Ranking on the page itself. */
export class PageRanker implements Ranker {
  private set: Promise<SupportSet<WebImageInput> | undefined> = Promise.resolve(undefined);

  private constructor(private readonly model: SiameseModel) {}

  static async create({ modelUrl, device }: RankerOptions): Promise<PageRanker> {
    return new PageRanker(await loadModel(modelUrl, { device }));
  }

  get info(): RankerInfo {
    return { device: this.model.device, threads: this.model.threads, modelName: this.model.metadata.name };
  }

  setSupport(entries: Record<string, (File | string)[]>): Promise<void> {
    this.set = Object.keys(entries).length > 0 ? this.model.supportSet(entries) : Promise.resolve(undefined);
    return this.set.then(() => undefined);
  }

  async rank(query: File | string): Promise<Ranking> {
    return toRanking(await this.set, query);
  }
}

/** Shared by both sides: rank against the current set, or fail like the SDK does for an empty one. */
export async function toRanking(set: SupportSet<WebImageInput> | undefined, query: File | string): Promise<Ranking> {
  if (!set) throw Object.assign(new Error('add at least one label with an image'), { code: 'SUPPORT_SET_EMPTY' });
  const result = await set.rank(query, { k: set.size });
  return { matches: [...result], accepted: result.accepted, threshold: result.threshold, labels: set.size, examples: set.exampleCount };
}

function absolute<T extends File | string>(image: T): T {
  return (typeof image === 'string' ? new URL(image, location.href).href : image) as T;
}

/** Ranking in a module Web Worker; requests are answered in order. */
export class WorkerRanker implements Ranker {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker, readonly info: RankerInfo) {}

  static async create(options: RankerOptions): Promise<WorkerRanker> {
    const worker = new Worker(new URL('./rank-worker.ts', import.meta.url), { type: 'module' });
    const ranker = new WorkerRanker(worker, { device: '', threads: 0, modelName: '' });
    worker.onmessage = ({ data }: MessageEvent<{ id: number; result?: unknown; error?: { message: string; code?: string } }>) => {
      const p = ranker.pending.get(data.id);
      ranker.pending.delete(data.id);
      if (data.error) p?.reject(Object.assign(new Error(data.error.message), { code: data.error.code }));
      else p?.resolve(data.result);
    };
    Object.assign(ranker.info, await ranker.call<RankerInfo>('load', { ...options, modelUrl: options.modelUrl && absolute(options.modelUrl) }));
    return ranker;
  }

  // URLs are made absolute here: in the worker, a relative URL would resolve against the worker script's folder.
  setSupport(entries: Record<string, (File | string)[]>): Promise<void> {
    return this.call('support', Object.fromEntries(Object.entries(entries).map(([label, images]) => [label, images.map(absolute)])));
  }

  rank(query: File | string): Promise<Ranking> {
    return this.call('rank', absolute(query));
  }

  private call<T>(type: string, payload: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, type, payload });
    });
  }
}
