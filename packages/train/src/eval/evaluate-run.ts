/**
 * Evaluates a run's best checkpoint on its test images (Omniglot: the evaluation set; other datasets: the
 * validation split, so a final fit of one, trained with nothing held out, has nothing to evaluate on) and writes
 * report.json / report.md into the run folder. With `split: 'validation'` it runs
 * the same suite on the validation split instead (report.validation.*) — what tuning and model selection may
 * look at, since the test set is for the final report only.
 */
import { SiameseError } from '@siamese-sdk/core';
import { loadRun, type LoadRunOptions } from '../checkpoint/load-run.js';
import { prepareData, type DataOptions } from '../data/prepare.js';
import { assertSameSplit } from '../data/split.js';
import { embedPool, evaluateEmbedded, type EvaluationOptions } from './evaluate.js';
import { writeRunReport, type RunReport } from './report.js';

export interface EvaluateRunOptions extends EvaluationOptions, LoadRunOptions {
  /** Overrides of the recorded data options (e.g. the Omniglot folder on another machine). */
  data?: Partial<DataOptions>;
  /** Which images: the test set (default) or the validation split. */
  split?: 'test' | 'validation';
  /** Extra facts for the report's training section. */
  training?: Record<string, unknown>;
  onLog?: (message: string) => void;
}

export async function evaluateRun(runDir: string, options: EvaluateRunOptions = {}): Promise<RunReport & { files: { json: string; markdown: string }; seconds: number }> {
  const started = performance.now();
  const run = await loadRun(runDir, options);
  try {
    const recorded = (run.manifest.data.options ?? {}) as DataOptions;
    const data = await prepareData({ ...recorded, ...options.data });
    assertSameSplit(run.manifest.data.split, data.split, runDir);
    const target = options.split === 'validation' ? { pool: data.val, name: `validation split (${data.val.classes.length} classes)` } : data.test;
    if (target.pool.classes.length < 2) {
      // Asking a final fit for its validation split is a wrong argument; a dataset with nothing held out is the data's.
      if (options.split === 'validation') throw new SiameseError('INVALID_ARGUMENT', `nothing to evaluate on: ${runDir} was trained without a validation split (--val-fraction 0)`, { run: runDir });
      throw new SiameseError('DATASET_INVALID', `nothing to evaluate on: ${runDir} has no held-out images: ${target.name}`, { run: runDir });
    }
    options.onLog?.(`evaluating ${run.tag} checkpoint (step ${run.manifest.step}) on ${target.name}`);
    const embedded = await embedPool(run.embed, target.pool);
    const evaluation = evaluateEmbedded(embedded, options);
    const report: RunReport = {
      run: runDir,
      createdAt: new Date().toISOString(),
      checkpoint: { tag: run.tag, step: run.manifest.step },
      testSet: target.name,
      evaluation,
      training: {
        net: run.manifest.net,
        loss: run.manifest.loss,
        preprocess: run.manifest.preprocess,
        steps: run.manifest.step,
        bestValidation: run.manifest.metrics.best,
        trainingSeconds: run.manifest.metrics.seconds,
        data: run.manifest.data,
        ...options.training,
      },
    };
    const files = writeRunReport(runDir, report, options.split === 'validation' ? 'report.validation' : 'report');
    return { ...report, files, seconds: (performance.now() - started) / 1000 };
  } finally {
    await run.dispose();
  }
}
