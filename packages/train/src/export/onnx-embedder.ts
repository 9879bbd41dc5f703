/**
 * Runs an exported model in onnxruntime-node as an EmbedFn (NHWC float images in, [n × D] embeddings out), so the
 * export command can measure what a stored file really computes (e.g. the accuracy change of fp16/int8 weights).
 * onnxruntime-node is loaded on demand: the trainer itself does not need it.
 */
import { SiameseError } from '@siamese-sdk/core';
import type { EmbedFn } from '../eval/evaluate.js';
import type { ActivationProbe } from './export-model.js';
import type { ActivationRange } from './passes/quantize-qdq.js';

type OrtNode = typeof import('onnxruntime-node');

// A specifier the bundler cannot see: onnxruntime-node is a native addon resolved from node_modules at run time,
// never bundled into dist/ (and the trainer works without it).
const ORT_NODE = 'onnxruntime-node';

async function loadOrt(): Promise<OrtNode> {
  try {
    return (await import(/* @vite-ignore */ ORT_NODE)) as OrtNode;
  } catch (e) {
    throw new SiameseError('BACKEND', `onnxruntime-node cannot be loaded (${(e as Error).message}); it is needed to measure the exported file (npm install onnxruntime-node)`, {}, { cause: e });
  }
}

export interface OnnxEmbedder {
  embed: EmbedFn;
  release(): Promise<void>;
}

type ImageShape = { height: number; width: number; channels: number };

/** Images `start … start + m` of an NHWC batch as one NCHW tensor's values. */
function toNchw(images: Float32Array, start: number, m: number, { height: h, width: w, channels: c }: ImageShape): Float32Array {
  const size = h * w * c;
  const nchw = new Float32Array(m * size);
  for (let b = 0; b < m; b++) {
    const from = (start + b) * size;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) nchw[b * size + (ch * h + y) * w + x] = images[from + (y * w + x) * c + ch];
  }
  return nchw;
}

export async function createOnnxEmbedder(bytes: Uint8Array, input: ImageShape, batch = 256): Promise<OnnxEmbedder> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  const { height: h, width: w, channels: c } = input;
  const embed: EmbedFn = async (images, n) => {
    const parts: Float32Array[] = [];
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start);
      const out = await session.run({ input: new ort.Tensor('float32', toNchw(images, start, m, input), [m, c, h, w]) });
      parts.push(Float32Array.from(out.embedding.data as Float32Array));
    }
    const dim = parts.length ? parts[0].length / Math.min(batch, n) : 0;
    const all = new Float32Array(n * dim);
    let offset = 0;
    for (const p of parts) {
      all.set(p, offset);
      offset += p.length;
    }
    return all;
  };
  return { embed, release: () => session.release() };
}

/**
 * Runs an activation probe (`exportActivationProbe`) over `n` NHWC images and returns the smallest and largest
 * value each listed activation took: the ranges an 'int8-qdq' export quantises over.
 */
export async function measureActivationRanges(probe: ActivationProbe, input: ImageShape, images: Float32Array, n: number, batch = 256): Promise<Map<string, ActivationRange>> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(probe.bytes, { graphOptimizationLevel: 'disabled' });
  const ranges = new Map<string, ActivationRange>(probe.values.map((v) => [v, { min: Infinity, max: -Infinity }]));
  try {
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start);
      const out = await session.run({ input: new ort.Tensor('float32', toNchw(images, start, m, input), [m, input.channels, input.height, input.width]) }, probe.values);
      for (const [name, r] of ranges) {
        const data = out[name].data as Float32Array;
        for (let i = 0; i < data.length; i++) {
          const v = data[i];
          if (v < r.min) r.min = v;
          if (v > r.max) r.max = v;
        }
      }
    }
  } finally {
    await session.release();
  }
  return ranges;
}
