/// <reference lib="webworker" />
/** The demo's worker side (?worker=1): the same SDK calls as on the page, answering WorkerRanker's requests. */
import { loadModel, type SiameseModel, type SupportSet, type WebImageInput } from '@siamese-sdk/web';
import { toRanking, type RankerOptions } from './ranker.js';

let model: SiameseModel | undefined;
let set: Promise<SupportSet<WebImageInput> | undefined> = Promise.resolve(undefined);

async function handle(type: string, payload: unknown): Promise<unknown> {
  if (type === 'load') {
    const { modelUrl, device } = payload as RankerOptions;
    model = await loadModel(modelUrl, { device });
    return { device: model.device, threads: model.threads, modelName: model.metadata.name };
  }
  if (!model) throw new Error('the model is not loaded');
  if (type === 'support') {
    const entries = payload as Record<string, (File | string)[]>;
    set = Object.keys(entries).length > 0 ? model.supportSet(entries) : Promise.resolve(undefined);
    await set;
    return undefined;
  }
  if (type === 'rank') return toRanking(await set, payload as File | string);
  throw new Error(`unknown request ${type}`);
}

self.onmessage = async ({ data: { id, type, payload } }: MessageEvent<{ id: number; type: string; payload: unknown }>) => {
  try {
    self.postMessage({ id, result: await handle(type, payload) });
  } catch (e) {
    self.postMessage({ id, error: { message: String((e as Error)?.message ?? e), code: (e as { code?: string })?.code } });
  }
};
