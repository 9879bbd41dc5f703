/**
 * Evaluates a run's best checkpoint on its test images (Omniglot: the evaluation set; other datasets: the
 * validation split, so a final fit of one, trained with nothing held out, has nothing to evaluate on) and writes
 * report.json / report.md into the run folder. With `split: 'validation'` it runs
 * the same suite on the validation split instead (report.validation.*) — what tuning and model selection may
 * look at, since the test set is for the final report only. With `views` the images are embedded through test-time
 * shifted views (./shift-views.ts) and the report is written as report.tta.* (report.validation.tta.*) beside the
 * plain one.
 */
import { SiameseError } from '@siamese-sdk/core';
import { loadRun, type LoadRunOptions } from '../checkpoint/load-run.js';
import { prepareData, type DataOptions } from '../data/prepare.js';
import { assertSameSplit } from '../data/split.js';
import { embedPool, evaluateEmbedded, type EvaluationOptions } from './evaluate.js';
import { writeRunReport, type RunReport } from './report.js';
import { runThroughViews, type PixelShift } from './shift-views.js';

/** The report file's base name: report, report.validation, and `.tta` for an evaluation through shifted views. */
export function runReportName(split: 'test' | 'validation' | undefined, views: boolean): string {
  return `${split === 'validation' ? 'report.validation' : 'report'}${views ? '.tta' : ''}`;
}

export interface EvaluateRunOptions extends EvaluationOptions, LoadRunOptions {
  /** Overrides of the recorded data options (e.g. the Omniglot folder on another machine). */
  data?: Partial<DataOptions>;
  /** Which images: the test set (default) or the validation split. */
  split?: 'test' | 'validation';
  /** Test-time shifted views (e.g. TTA_SHIFTS): each image embedded as the mean over them. */
  views?: readonly PixelShift[];
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
    const { views, embed } = runThroughViews(run, options.views);
    if (views) options.onLog?.(`through ${views.shifts.length} shifted views per image`);
    const embedded = await embedPool(embed, target.pool);
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
        ...(views ? { views: views.shifts } : {}),
        ...options.training,
      },
    };
    const files = writeRunReport(runDir, report, runReportName(options.split, views !== undefined));
    return { ...report, files, seconds: (performance.now() - started) / 1000 };
  } finally {
    await run.dispose();
  }
}
