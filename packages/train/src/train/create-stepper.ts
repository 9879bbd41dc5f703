/**
 * createTrainStepper: validates the options, initialises the backend, builds the master model and returns a
 * single-thread or a data-parallel stepper.
 */
import { SiameseError } from '@siamese-sdk/core';
import { initBackend } from '../backend/index.js';
import { buildEmbeddingNet, embeddingDimension, resolveNetConfig } from '../model/index.js';
import { createLoss, validateLossConfig } from '../losses/index.js';
import { checkBatchNormGroups } from './batch-norm-groups.js';
import { DataParallelStepper } from './data-parallel.js';
import { LocalStepper } from './local-stepper.js';
import { MasterModel } from './master-model.js';
import type { CreateTrainStepper, TrainStepper, TrainStepperOptions } from './stepper.js';

export const createTrainStepper: CreateTrainStepper = async (options: TrainStepperOptions): Promise<TrainStepper> => {
  // Everything a user can get wrong is checked before a backend or a worker starts.
  const net = resolveNetConfig(options.net);
  validateLossConfig(options.loss);
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new SiameseError('INVALID_ARGUMENT', `workers must be a positive integer, got ${String(workers)}`, { workers });
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new SiameseError('INVALID_ARGUMENT', `seed must be a number, got ${String(seed)}`, { seed });
  const adam = options.optimizer ?? {};
  for (const [key, value] of Object.entries(adam)) {
    const bad = typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (key !== 'epsilon' && value >= 1);
    if (bad) throw new SiameseError('INVALID_ARGUMENT', `optimizer.${key} is out of range: ${String(value)}`, { [key]: value });
  }
  const batchNormGroups = options.batchNormGroups ?? 1;
  checkBatchNormGroups(batchNormGroups, workers);
  const backendPreference = options.backend ?? 'auto';
  const kernels = options.kernels ?? 'ours';

  const backend = await initBackend({ backend: backendPreference, kernels });
  // After the backend: a loss with parameters (proxy) creates them on it.
  const lossFn = createLoss(options.loss, { embeddingSize: embeddingDimension(net), seed });
  const master = new MasterModel(buildEmbeddingNet(net, seed), net, adam, lossFn.parameters);
  if (workers === 1) return new LocalStepper(backend, master, lossFn, batchNormGroups);
  try {
    // Workers run the backend the main thread got (e.g. 'auto' that fell back to cpu stays cpu).
    const workerBackend = backend === 'tensorflow' ? 'tfjs-node' : backend;
    return await DataParallelStepper.start(master, { workers, backend: workerBackend, kernels, seed, loss: options.loss, batchNormGroups });
  } catch (error) {
    master.disposeModel();
    throw error;
  }
};
