import { describe, expect, it } from 'vitest';
import { meanWithCi95 } from '../../src/eval/confidence.js';
import { evaluateEmbedded } from '../../src/eval/evaluate.js';
import { episodeAccuracy, fewShotAccuracy } from '../../src/eval/few-shot.js';
import { verificationMetrics } from '../../src/eval/verification.js';

describe('few-shot accuracy on hand-made embeddings', () => {
  it('prototype vs nearest on a case where they disagree', () => {
    // 1-D embeddings. Class 0 support at 0 and 10 (mean 5), class 1 support at 6 (mean 6). Query (class 0) at 9:
    // nearest support is class 0's 10; nearest prototype is class 1's 6.
    const emb = Float32Array.from([0, 10, 6, 9]);
    const support = [[0, 1], [2]];
    const query = [[3], []];
    expect(episodeAccuracy(emb, 1, support, query, 'nearest')).toBe(1);
    expect(episodeAccuracy(emb, 1, support, query, 'prototype')).toBe(0);
  });

  it('perfectly separated classes score 100%; identical embeddings score chance', () => {
    const classes = Array.from({ length: 10 }, (_, c) => ({ group: c < 5 ? 'a' : 'b', members: Array.from({ length: 4 }, (_, j) => 4 * c + j) }));
    const separated = Float32Array.from({ length: 40 * 2 }, (_, i) => (i % 2 === 0 ? Math.floor(i / 2 / 4) * 10 : (i % 7) * 0.01));
    const r = fewShotAccuracy(separated, 2, classes, { way: 5, shot: 1, episodes: 200 });
    expect(r.accuracy).toBe(1);
    expect(r.ci95).toBe(0);
    // All-equal embeddings: ties resolve to the first class, so accuracy = 1/way.
    const same = new Float32Array(80);
    const chance = fewShotAccuracy(same, 2, classes, { way: 5, shot: 1, episodes: 2000 });
    expect(chance.accuracy).toBeCloseTo(0.2, 1);
    expect(chance.ci95).toBeGreaterThan(0);
    const report = evaluateEmbedded({ embeddings: separated, dim: 2, n: 40, classes }, { episodes: 100, tasks: [{ way: 5, shot: 1 }, { way: 20, shot: 1 }, { way: 5, shot: 1, withinGroup: true, drawerSplit: true }] });
    expect(report.fewShot.map((f) => f.accuracy)).toEqual([1]);
    expect(report.skipped.length).toBe(2);
    expect(report.verification?.auc).toBe(1);
  });
});

describe('verification metrics', () => {
  it('AUC and EER on hand-computed examples', () => {
    // Perfect separation.
    expect(verificationMetrics([0.1, 0.2, 0.8, 0.9], [true, true, false, false])).toMatchObject({ auc: 1, eer: 0 });
    // Reversed: every negative closer than every positive.
    expect(verificationMetrics([0.9, 0.8, 0.1, 0.2], [true, true, false, false]).auc).toBe(0);
    // Positives {1, 3}, negatives {2, 4}: pairs (pos < neg): 1<2, 1<4, 3<4 → 3 of 4.
    const r = verificationMetrics([1, 3, 2, 4], [true, true, false, false]);
    expect(r.auc).toBe(0.75);
    // Threshold 1: FAR 0, FRR 0.5; threshold 2: FAR 0.5, FRR 0.5 → EER 0.5 at 2; 3: FAR .5 FRR 0.
    expect(r.eer).toBe(0.5);
    expect(r.eerThreshold).toBe(2);
    // Ties count half.
    expect(verificationMetrics([1, 1], [true, false]).auc).toBe(0.5);
    expect(() => verificationMetrics([1, 2], [true, true])).toThrow(/both/);
  });

  it('95% CI half-width is 1.96·s/√n', () => {
    const { mean, ci95 } = meanWithCi95([0, 1, 0, 1]);
    expect(mean).toBe(0.5);
    expect(ci95).toBeCloseTo((1.96 * Math.sqrt(1 / 3)) / 2, 10);
  });
});
