import { describe, expect, it } from 'vitest';
import { learningRate, parseSchedule } from '../../src/train/lr-schedule.js';
import { trainingCurveSvg } from '../../src/train/training-curve.js';
import { MetricsLog } from '../../src/train/metrics-log.js';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';

describe('learning-rate schedules', () => {
  it('step halves at 1/3 and 2/3 of the run', () => {
    const s = { kind: 'step' } as const;
    expect(learningRate(1e-3, s, 1, 300)).toBe(1e-3);
    expect(learningRate(1e-3, s, 100, 300)).toBe(1e-3);
    expect(learningRate(1e-3, s, 101, 300)).toBe(5e-4);
    expect(learningRate(1e-3, s, 201, 300)).toBe(2.5e-4);
    expect(learningRate(1e-3, s, 300, 300)).toBe(2.5e-4);
  });

  it('cosine decays from the base to minFactor·base; warm-up ramps linearly', () => {
    const c = { kind: 'cosine', minFactor: 0 } as const;
    expect(learningRate(1, c, 1, 101)).toBeCloseTo(1);
    expect(learningRate(1, c, 51, 100)).toBeCloseTo(0.5);
    expect(learningRate(1, c, 101, 100)).toBeCloseTo(0);
    expect(learningRate(1, { kind: 'constant', warmupSteps: 10 }, 5, 100)).toBeCloseTo(0.5);
    expect(() => parseSchedule('exponential')).toThrowError(/unknown learning-rate schedule/);
  });
});

describe('metrics log and curve', () => {
  it('truncates to a checkpoint step and draws both series', () => {
    const log = new MetricsLog(join(tempDir('metrics'), 'metrics.jsonl'));
    for (let s = 10; s <= 50; s += 10) log.append({ kind: 'train', step: s, loss: 1 / s, lr: 1e-3, imagesPerSec: 100, seconds: s });
    log.append({ kind: 'val', step: 30, accuracy: 0.8, ci95: 0.01, way: 5, shot: 1, episodes: 100, best: true });
    log.truncateAfter(30);
    expect(log.read().map((m) => m.step)).toEqual([10, 20, 30, 30]);
    const svg = trainingCurveSvg(log.read(), 'run <1>');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('run &lt;1&gt;');
    expect(svg).toContain('validation 5-way 1-shot, last 80.0%');
    expect((svg.match(/<path /g) ?? []).length).toBe(3);
  });
});
