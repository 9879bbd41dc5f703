// One engine measured in its own process (perf-bench.mjs spawns `node engines.mjs <engine> <threads> <out.json>`):
// thread counts of onnxruntime-web and tfjs-wasm are fixed once per process, and a fresh process gives a clean
// resident-set figure for "one loaded model". Engines: matmul (the roofline), sdk, sdk-int8-qdq (the same, given the
// int8-qdq model path), ort-node, ort-web, tfjs-wasm.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OnnxDataType, OnnxField as F, ProtoWriter, readModelMetadata } from '@siamese-sdk/core';
import { repo } from './bench-setup.mjs';

const [engine, threadsArg, outFile, modelPath, secondsArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const seconds = Number(secondsArg ?? 0.6);
const BATCHES = [1, 8, 32, 256];

/** Calls per second of `f` over at least `seconds` (after two warm-up calls). */
async function rate(f) {
  await f();
  await f();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || calls < 3) {
    await f();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

/** Deterministic 28×28 inputs, already normalised (what the network sees). */
function inputTensor(batch) {
  const x = new Float32Array(batch * 784);
  let s = batch;
  for (let i = 0; i < x.length; i++) x[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 < 0.15 ? 1 : 0;
  return x;
}

/** A one-node ONNX model Y = A · B over n × n float32 matrices, written with core's protobuf writer. */
function matmulModel(n) {
  const w = new ProtoWriter(4096);
  const valueInfo = (g, field, name) =>
    g.message(field, (v) => {
      v.string(F.ValueInfo.name, name);
      v.message(F.ValueInfo.type, (t) => t.message(F.Type.tensorType, (tt) => {
        tt.varint(F.TypeTensor.elemType, OnnxDataType.FLOAT);
        tt.message(F.TypeTensor.shape, (s) => { s.message(F.TensorShape.dim, (d) => d.varint(F.Dimension.dimValue, n)); s.message(F.TensorShape.dim, (d) => d.varint(F.Dimension.dimValue, n)); });
      }));
    });
  w.varint(F.Model.irVersion, 8);
  w.string(F.Model.producerName, 'siamese-sdk-bench');
  w.message(F.Model.opsetImport, (o) => o.varint(F.OperatorSetId.version, 17));
  w.message(F.Model.graph, (g) => {
    g.message(F.Graph.node, (node) => node.string(F.Node.input, 'A').string(F.Node.input, 'B').string(F.Node.output, 'Y').string(F.Node.opType, 'MatMul'));
    g.string(F.Graph.name, 'matmul');
    valueInfo(g, F.Graph.input, 'A');
    valueInfo(g, F.Graph.input, 'B');
    valueInfo(g, F.Graph.output, 'Y');
  });
  return w.finish();
}

const result = { engine, threads, batches: [] };
const rssBefore = process.memoryUsage().rss;

if (engine === 'matmul') {
  const ort = await import('onnxruntime-node');
  for (const n of [512, 1024, 2048]) {
    const session = await ort.InferenceSession.create(matmulModel(n), { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
    const a = new ort.Tensor('float32', Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 13) / 13), [n, n]);
    const b = new ort.Tensor('float32', Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 11) / 11), [n, n]);
    const perSec = await rate(() => session.run({ A: a, B: b }));
    result.batches.push({ n, gflops: (perSec * 2 * n ** 3) / 1e9 });
    await session.release();
  }
  result.peakGflops = Math.max(...result.batches.map((b) => b.gflops));
} else if (engine === 'sdk' || engine === 'sdk-int8-qdq') {
  const { loadModel } = await import('../dist/index.js');
  const model = await loadModel(modelPath, { device: 'cpu', threads, batchSize: 256 });
  result.rssLoadedModel = process.memoryUsage().rss - rssBefore;
  const images = Array.from({ length: 256 }, (_, i) => {
    const x = inputTensor(1 + i);
    return { data: Uint8Array.from(x.subarray(0, 784), (v) => (v ? 0 : 255)), width: 28, height: 28, channels: 1 };
  });
  for (const batch of BATCHES) {
    const list = images.slice(0, batch);
    result.batches.push({ batch, imagesPerSec: (await rate(() => model.embed(list))) * batch });
  }
  await model.dispose();
} else if (engine === 'ort-node' || engine === 'ort-web') {
  const ort = engine === 'ort-node' ? await import('onnxruntime-node') : createRequire(join(repo, 'packages', 'sdk-web', 'package.json'))('onnxruntime-web');
  if (engine === 'ort-web') {
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
  }
  const bytes = readFileSync(modelPath);
  const options = engine === 'ort-node' ? { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' } : { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const session = await ort.InferenceSession.create(engine === 'ort-node' ? modelPath : bytes, options);
  result.rssLoadedModel = process.memoryUsage().rss - rssBefore;
  const inputName = session.inputNames[0];
  for (const batch of BATCHES) {
    const x = new ort.Tensor('float32', inputTensor(batch), [batch, 1, 28, 28]);
    result.batches.push({ batch, imagesPerSec: (await rate(() => session.run({ [inputName]: x }))) * batch });
  }
  await session.release?.();
} else if (engine === 'tfjs-wasm') {
  const req = createRequire(join(repo, 'packages', 'train', 'package.json'));
  const tf = req('@tensorflow/tfjs-core');
  const wasm = req('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(pathToFileURL(join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')), '/')).href.replace(/\/?$/, '/'));
  wasm.setThreadsCount(threads);
  const { buildEmbeddingNet, shiftViewsFor, withShiftViews } = await import(pathToFileURL(join(repo, 'packages', 'train', 'dist', 'index.js')).href);
  await tf.setBackend('wasm');
  await tf.ready();
  // The model file's own network (its recorded block widths) and, when its graph embeds through test-time views,
  // the same views: tfjs then does the work the file does, so the ratio compares runtimes, not models.
  const metadata = readModelMetadata(new Uint8Array(readFileSync(modelPath)));
  const net = buildEmbeddingNet(metadata.training?.net ?? {}, 1);
  const views = Array.isArray(metadata.training?.views) ? shiftViewsFor(metadata.preprocess, 1, metadata.training.views) : undefined;
  const shape = { height: 28, width: 28, channels: 1 };
  const predict = async (images, n) => {
    const y = tf.tidy(() => net.predict(tf.tensor4d(images, [n, 28, 28, 1])));
    const out = await y.data();
    y.dispose();
    return out;
  };
  const embed = views ? withShiftViews(predict, views, shape, true) : predict;
  result.rssLoadedModel = process.memoryUsage().rss - rssBefore;
  // FLOPs per image from the network's layer shapes (Conv2D and Dense multiply–adds × 2).
  let flops = 0;
  for (const layer of net.layers) {
    const cls = layer.getClassName();
    if (cls === 'Conv2D') {
      const [, h, w, c] = layer.outputShape;
      const [kh, kw, cin] = layer.getWeights()[0].shape;
      flops += 2 * h * w * c * kh * kw * cin;
    } else if (cls === 'Dense') {
      const [cin, cout] = layer.getWeights()[0].shape;
      flops += 2 * cin * cout;
    }
  }
  result.flopsPerImage = flops * (views ? views.shifts.length : 1);
  result.views = views ? views.shifts.length : 1;
  result.tfjsBackend = tf.getBackend();
  // What tfjs-wasm really runs with: in Node it has no multithreaded build (WASM_HAS_MULTITHREAD_SUPPORT is false),
  // so setThreadsCount(2) still gives 1 thread — that is what a TensorFlow.js user gets here, reported as such.
  result.tfjsThreads = wasm.getThreadsCount();
  for (const batch of BATCHES) {
    const x = inputTensor(batch);
    result.batches.push({ batch, imagesPerSec: (await rate(() => embed(x, batch))) * batch });
  }
} else {
  throw new Error(`unknown engine ${engine}`);
}
writeFileSync(outFile, JSON.stringify(result));
process.exit(0);
