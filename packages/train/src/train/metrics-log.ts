/**
 * runs/<name>/metrics.jsonl: one JSON object per line, appended as training goes —
 *   { "kind": "train", "step", "loss", "lr", "imagesPerSec", "seconds" }   (averaged over the logging window)
 *   { "kind": "val", "step", "accuracy", "ci95", "way", "shot", "episodes", "best" }
 * On resume the lines after the checkpoint's step are dropped (that work is redone), so the file always
 * describes exactly one uninterrupted run.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface TrainMetric {
  kind: 'train';
  step: number;
  loss: number;
  lr: number;
  imagesPerSec: number;
  /** Training seconds so far (across resumes). */
  seconds: number;
}

export interface ValMetric {
  kind: 'val';
  step: number;
  accuracy: number;
  ci95: number;
  way: number;
  shot: number;
  episodes: number;
  /** Whether this evaluation became the best checkpoint. */
  best: boolean;
}

export type Metric = TrainMetric | ValMetric;

export class MetricsLog {
  constructor(readonly path: string) {}

  append(metric: Metric): void {
    appendFileSync(this.path, `${JSON.stringify(metric)}\n`);
  }

  read(): Metric[] {
    return readMetrics(this.path);
  }

  /** Keeps only the lines up to and including `step` (used when resuming from a checkpoint at `step`). */
  truncateAfter(step: number): void {
    const kept = this.read().filter((m) => m.step <= step);
    writeFileSync(this.path, kept.map((m) => `${JSON.stringify(m)}\n`).join(''));
  }
}

export function readMetrics(path: string): Metric[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Metric];
      } catch {
        return []; // a line cut by a kill
      }
    });
}
