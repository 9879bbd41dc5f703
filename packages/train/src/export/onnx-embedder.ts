/**
 * Runs an exported model in onnxruntime-node as an EmbedFn (NHWC float images in, [n × D] embeddings out), so the
 * export command can measure what a stored file really computes (e.g. the accuracy change of fp16/int8 weights).
 * onnxruntime-node is loaded on demand: the trainer itself does not need it.
 */
import { SiameseError } from '@siamese-sdk/core';
import type { EmbedFn } from '../eval/evaluate.js';

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

export async function createOnnxEmbedder(bytes: Uint8Array, input: { height: number; width: number; channels: number }, batch = 256): Promise<OnnxEmbedder> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  const { height: h, width: w, channels: c } = input;
  const size = h * w * c;
  const embed: EmbedFn = async (images, n) => {
    const parts: Float32Array[] = [];
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start);
      const nchw = new Float32Array(m * size);
      for (let b = 0; b < m; b++) {
        const from = (start + b) * size;
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            for (let ch = 0; ch < c; ch++) nchw[b * size + (ch * h + y) * w + x] = images[from + (y * w + x) * c + ch];
      }
      const out = await session.run({ input: new ort.Tensor('float32', nchw, [m, c, h, w]) });
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
