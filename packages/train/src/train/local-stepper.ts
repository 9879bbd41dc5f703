/** The single-thread TrainStepper: one replica (the master model itself) computes every step. */
import type { LossFn } from '../losses/loss.js';
import { groupRows } from './batch-norm-groups.js';
import { LOCAL_COLLECTIVE } from './collective.js';
import { MasterBackedStepper } from './master-backed-stepper.js';
import type { MasterModel } from './master-model.js';
import { replicaStep } from './replica-step.js';
import { checkStepArguments } from './step-arguments.js';
import type { ImageBatch, StepResult, TrainStepper } from './stepper.js';

export class LocalStepper extends MasterBackedStepper implements TrainStepper {
  readonly workers = 1;

  constructor(
    readonly backend: string,
    master: MasterModel,
    private readonly lossFn: LossFn,
    private readonly batchNormGroups = 1,
  ) {
    super(master);
  }

  async step(batch: ImageBatch, lr: number): Promise<StepResult> {
    const { inputSize, channels } = this.master.net;
    checkStepArguments(batch, lr, inputSize * inputSize * channels);
    const result = replicaStep(
      this.master.model,
      this.master.layout,
      this.lossFn,
      {
        images: batch.images,
        rows: batch.n,
        labels: batch.labels,
        inputSize,
        channels,
        ...(this.batchNormGroups > 1 ? { groups: groupRows(batch.n, this.batchNormGroups) } : {}),
      },
      LOCAL_COLLECTIVE,
    );
    this.master.apply(result.gradients, lr, result.batchNorm);
    return { loss: result.loss };
  }

  async dispose(): Promise<void> {
    this.master.disposeModel();
  }
}
