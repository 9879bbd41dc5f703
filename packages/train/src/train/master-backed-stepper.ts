/**
 * What every TrainStepper does the same way, whoever computes the steps: the master model on this thread holds the
 * current weights, so evaluation, export and checkpoints read and write it directly.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { MasterModel } from './master-model.js';
import type { NamedTensors } from './stepper.js';

export abstract class MasterBackedStepper {
  protected constructor(protected readonly master: MasterModel) {}

  get model(): LayersModel {
    return this.master.model;
  }

  async embed(images: Float32Array, n: number): Promise<Float32Array> {
    if (n === 0 && images?.length === 0) return new Float32Array(0);
    return this.master.embed(images, n); // checks the images' size
  }

  async getState(): Promise<{ weights: NamedTensors; optimizer: NamedTensors; step: number }> {
    return this.master.getState();
  }

  async setState(state: { weights: NamedTensors; optimizer?: NamedTensors; step?: number }): Promise<void> {
    this.master.setState(state);
  }
}
