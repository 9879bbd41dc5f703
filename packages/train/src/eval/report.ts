/**
 * The final evaluation report of a run, as JSON (machine-readable; the exporter copies figures into the model's
 * metadata) and Markdown (for people).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskName, type EvaluationReport } from './evaluate.js';

export interface RunReport {
  run: string;
  createdAt: string;
  /** Which checkpoint was evaluated. */
  checkpoint: { tag: string; step: number };
  /** What the images are (e.g. the Omniglot evaluation set). */
  testSet: string;
  evaluation: EvaluationReport;
  training: Record<string, unknown>;
}

/** Flat name → value figures, e.g. { random_5way_1shot: 0.97, ..., verification_auc: 0.99 }. */
export function reportFigures(e: EvaluationReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of e.fewShot) out[taskName(r)] = r.accuracy;
  if (e.verification) {
    out.verification_auc = e.verification.auc;
    out.verification_eer = e.verification.eer;
  }
  return out;
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

export function reportMarkdown(r: RunReport): string {
  const lines = [
    `# Evaluation report: ${r.run}`,
    '',
    `- checkpoint: \`${r.checkpoint.tag}\` (step ${r.checkpoint.step})`,
    `- test images: ${r.testSet} — ${r.evaluation.images} images, ${r.evaluation.classes} classes`,
    `- created: ${r.createdAt}`,
    '',
    '## Few-shot classification',
    '',
    '| task | protocol | method | episodes | accuracy (95% CI) |',
    '|---|---|---|---|---|',
    ...r.evaluation.fewShot.map(
      (f) =>
        `| ${f.way}-way ${f.shot}-shot | ${f.withinGroup ? (f.drawerSplit ? 'within alphabet, support and query from two drawers (Lake et al.)' : 'within group') : 'random classes'} | ${f.method} | ${f.episodes} | ${pct(f.accuracy)} ± ${(100 * f.ci95).toFixed(1)} |`,
    ),
    '',
  ];
  if (r.evaluation.verification) {
    const v = r.evaluation.verification;
    lines.push('## Verification (same / different pairs)', '', `- pairs: ${v.pairs} (balanced)`, `- ROC AUC: ${v.auc.toFixed(4)}`, `- equal error rate: ${pct(v.eer)} at distance ${v.eerThreshold.toFixed(4)}`, '');
  }
  if (r.evaluation.skipped.length) lines.push('## Not run', '', ...r.evaluation.skipped.map((s) => `- ${s}`), '');
  lines.push('## Training', '', '```json', JSON.stringify(r.training, null, 2), '```', '');
  return lines.join('\n');
}

/** Writes `<name>.json` and `<name>.md` into the run folder (`report` for the test set; `report.validation` for the validation split, so model selection never overwrites the final report). */
export function writeRunReport(dir: string, report: RunReport, name = 'report'): { json: string; markdown: string } {
  const json = join(dir, `${name}.json`);
  const markdown = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify({ ...report, figures: reportFigures(report.evaluation) }, null, 2)}\n`);
  writeFileSync(markdown, reportMarkdown(report));
  return { json, markdown };
}
