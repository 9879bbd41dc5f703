/**
 * The contract between the training loop (data, schedule, validation, checkpoints) and the compute that runs a
 * step (backend, model, loss, optimiser — on one thread or data-parallel across worker threads).
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LossConfig } from '../losses/loss.js';
import type { NetConfig } from '../model/net-config.js';

/** A batch of preprocessed images, NHWC float32, `n * inputSize * inputSize * channels` long. */
export interface ImageBatch {
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

/** Weights by variable name, plus their shapes: what a checkpoint stores. */
export interface NamedTensors {
  [name: string]: { shape: number[]; values: Float32Array };
}

export type BackendPreference = 'auto' | 'tfjs-node' | 'wasm' | 'cpu';
/**
 * Which of our wasm kernels are registered: all of them ('ours', the default); all but the Winograd convolutions,
 * so 3×3 convolutions run as XNNPACK's direct convolution ('ours-direct'); or only the one wasm lacks
 * ('missing-only'). The last two exist for benchmarks.
 */
export type KernelSet = 'ours' | 'ours-direct' | 'missing-only';

export interface TrainStepperOptions {
  net: NetConfig;
  loss: LossConfig;
  /** Adam parameters. */
  optimizer?: { beta1?: number; beta2?: number; epsilon?: number };
  /** 1 = train on this thread; > 1 = data-parallel worker threads, gradients averaged every step. */
  workers?: number;
  backend?: BackendPreference;
  kernels?: KernelSet;
  /** Seeds the weight initialisation. */
  seed?: number;
  /**
   * Batch-norm groups per batch (ghost batch norm, see ./batch-norm-groups.ts): 1 (default) = statistics of the
   * whole batch; G > 1 = G contiguous groups normalised separately, G a multiple of `workers`, so workers need not
   * exchange statistics.
   */
  batchNormGroups?: number;
}

export interface StepResult {
  loss: number;
}

export interface TrainStepper {
  /** Name of the tfjs backend that runs ('tensorflow' | 'wasm' | 'cpu'). */
  readonly backend: string;
  readonly workers: number;
  /** The main-thread model, always holding the current weights (for evaluation and export). */
  readonly model: LayersModel;
  /** One optimisation step at learning rate `lr`. */
  step(batch: ImageBatch, lr: number): Promise<StepResult>;
  /** Embeddings [n, D] of a batch in inference mode (batch norm uses moving statistics), computed in chunks. */
  embed(images: Float32Array, n: number): Promise<Float32Array>;
  /** Model weights + optimiser state, for checkpoints. */
  getState(): Promise<{ weights: NamedTensors; optimizer: NamedTensors; step: number }>;
  setState(state: { weights: NamedTensors; optimizer?: NamedTensors; step?: number }): Promise<void>;
  dispose(): Promise<void>;
}

/** Implemented in ./create-stepper.ts. */
export type CreateTrainStepper = (options: TrainStepperOptions) => Promise<TrainStepper>;
