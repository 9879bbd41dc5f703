/**
 * Entry of a data-parallel worker thread (built to dist/stepper-worker.js). It owns a wasm backend and a model
 * replica; per step it receives the master weights and its rows, runs its share of the step — batch-norm
 * statistics and the loss over the whole batch through the shared-memory collective — and returns its gradient.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isSiameseError } from '@siamese-sdk/core';
import { initBackend } from '../backend/index.js';
import { buildEmbeddingNet, embeddingDimension } from '../model/index.js';
import { createLoss } from '../losses/index.js';
import type { MainToWorker, WorkerInit, WorkerToMain } from './data-parallel-protocol.js';
import { replicaStep } from './replica-step.js';
import { SharedMemoryCollective } from './shared-memory-collective.js';
import { trainableLayout, writeFlat } from './weight-layout.js';

async function main(): Promise<void> {
  const port = parentPort;
  if (port == null) throw new Error('stepper-worker must run as a worker thread');
  const init = workerData as WorkerInit;
  const post = (message: WorkerToMain, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

  const backend = await initBackend({ backend: init.backend, kernels: init.kernels });
  const model = buildEmbeddingNet(init.net, init.seed);
  const lossFn = createLoss(init.loss, { embeddingSize: embeddingDimension(init.net), seed: init.seed });
  const layout = trainableLayout(model, lossFn.parameters);
  let collective: SharedMemoryCollective | null = null;

  port.on('message', (message: MainToWorker) => {
    if (message.type === 'close') {
      model.dispose();
      for (const p of lossFn.parameters ?? []) p.variable.dispose();
      port.close();
      return;
    }
    try {
      if (message.buffer) collective = new SharedMemoryCollective(message.buffer, init.rank, init.size);
      if (collective == null) throw new Error('no collective buffer');
      writeFlat(layout, message.weights);
      const result = replicaStep(
        model,
        layout,
        lossFn,
        {
          images: message.images,
          rows: message.rows,
          labels: message.labels,
          inputSize: init.net.inputSize,
          channels: init.net.channels,
          ...(message.groups ? { groups: message.groups } : {}),
        },
        collective,
      );
      post({ type: 'result', id: message.id, ...result }, [result.gradients.buffer as ArrayBuffer, result.batchNorm.buffer as ArrayBuffer]);
    } catch (error) {
      post({
        type: 'error',
        id: message.id,
        code: isSiameseError(error) ? error.code : undefined,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
  post({ type: 'ready', backend });
}

main().catch((error: unknown) => {
  parentPort?.postMessage({ type: 'error', id: -1, message: error instanceof Error ? error.message : String(error) } satisfies WorkerToMain);
});
