/** The single-thread TrainStepper: one replica (the master model itself) computes every step. */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LossFn } from '../losses/loss.js';
import { LOCAL_COLLECTIVE } from './collective.js';
import { checkImages, MasterModel } from './master-model.js';
import { replicaStep } from './replica-step.js';
import { checkStepArguments } from './step-arguments.js';
import type { ImageBatch, NamedTensors, StepResult, TrainStepper } from './stepper.js';

export class LocalStepper implements TrainStepper {
  readonly workers = 1;

  constructor(
    readonly backend: string,
    private readonly master: MasterModel,
    private readonly lossFn: LossFn,
  ) {}

  get model(): LayersModel {
    return this.master.model;
  }

  async step(batch: ImageBatch, lr: number): Promise<StepResult> {
    const { inputSize, channels } = this.master.net;
    checkStepArguments(batch, lr, inputSize * inputSize * channels);
    const result = replicaStep(
      this.master.model,
      this.master.layout,
      this.lossFn,
      { images: batch.images, rows: batch.n, labels: batch.labels, inputSize, channels },
      LOCAL_COLLECTIVE,
    );
    this.master.apply(result.gradients, lr, result.batchNorm);
    return { loss: result.loss };
  }

  async embed(images: Float32Array, n: number): Promise<Float32Array> {
    const { inputSize, channels } = this.master.net;
    if (n === 0 && images?.length === 0) return new Float32Array(0);
    checkImages(images, n, inputSize * inputSize * channels, 'embed');
    return this.master.embed(images, n);
  }

  async getState(): Promise<{ weights: NamedTensors; optimizer: NamedTensors; step: number }> {
    return this.master.getState();
  }

  async setState(state: { weights: NamedTensors; optimizer?: NamedTensors; step?: number }): Promise<void> {
    this.master.setState(state);
  }

  async dispose(): Promise<void> {
    this.master.model.dispose();
  }
}
