/**
 * Every loss and miner against a hand-computed tiny example. The four 2-D points below (two classes) have
 * squared distances
 *          e1   e2   e3
 *   e0      1    4    9        e0 = (0,0) class 0     e2 = (0,2) class 1
 *   e1           5    4        e1 = (1,0) class 0     e3 = (3,0) class 1
 *   e2                13
 * and the expected numbers are worked out from each loss's formula in the comments.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { isSiameseError } from '@siamese-sdk/core';
import { initBackend } from '../../src/backend/index.js';
import {
  createLoss,
  mineBalancedPairs,
  mineBatchAll,
  mineBatchHard,
  mineSemiHard,
  pairwiseSquaredDistances,
  PROXIES_NAME,
  validateLossConfig,
  type LossConfig,
} from '../../src/losses/index.js';

const points = [0, 0, 1, 0, 0, 2, 3, 0];
const labels = Int32Array.from([0, 0, 1, 1]);
const d2 = Float32Array.from([0, 1, 4, 9, 1, 0, 5, 4, 4, 5, 0, 13, 9, 4, 13, 0]);

function lossValue(config: LossConfig, values = points, batchLabels = labels): number {
  return tf.tidy(() => createLoss(config)(tf.tensor2d(values, [batchLabels.length, 2]), batchLabels).dataSync()[0]);
}

function lossGradient(config: LossConfig, values: number[], batchLabels: Int32Array): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor2d(values, [batchLabels.length, 2]);
    const g = tf.grad((e: tf.Tensor) => createLoss(config)(e as tf.Tensor2D, batchLabels))(x);
    return g.dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('distances', () => {
  it('pairwise squared distances match the table', () => {
    const got = tf.tidy(() => pairwiseSquaredDistances(tf.tensor2d(points, [4, 2])).dataSync());
    expect(Array.from(got)).toEqual(Array.from(d2));
  });
});

describe('miners', () => {
  it('batch-hard: farthest positive, nearest negative per anchor', () => {
    // a0: p=1 (1), n=2 (4 < 9)   a1: p=0, n=3 (4 < 5)   a2: p=3, n=0 (4 < 5)   a3: p=2, n=1 (4 < 9)
    const t = mineBatchHard(labels, d2);
    expect(Array.from(t.anchor)).toEqual([0, 1, 2, 3]);
    expect(Array.from(t.positive)).toEqual([1, 0, 3, 2]);
    expect(Array.from(t.negative)).toEqual([2, 3, 0, 1]);
  });

  it('semi-hard: nearest negative farther than the positive, else the farthest negative', () => {
    // (0,1): d_ap=1, negatives 4, 9 → 2.  (1,0): 5, 4 → 3.  (2,3): d_ap=13, none farther → farthest 1 (5).
    // (3,2): d_ap=13, none farther → farthest 0 (9).
    const t = mineSemiHard(labels, d2);
    expect(Array.from(t.anchor)).toEqual([0, 1, 2, 3]);
    expect(Array.from(t.positive)).toEqual([1, 0, 3, 2]);
    expect(Array.from(t.negative)).toEqual([2, 3, 1, 0]);
  });

  it('batch-all: every (a, p, n) with a ≠ p of one class and n of the other', () => {
    const t = mineBatchAll(labels, d2);
    expect(t.anchor.length).toBe(8);
    expect(t.average).toBe('active');
  });

  it('balanced pairs: all positives and as many of the hardest negatives', () => {
    const pairs = mineBalancedPairs(labels, d2);
    expect(Array.from(pairs.positive.i)).toEqual([0, 2]);
    expect(Array.from(pairs.positive.j)).toEqual([1, 3]);
    // Negative squared distances: (0,2)=4, (0,3)=9, (1,2)=5, (1,3)=4 → the two smallest, (0,2) then (1,3).
    expect(Array.from(pairs.negative.i)).toEqual([0, 1]);
    expect(Array.from(pairs.negative.j)).toEqual([2, 3]);
  });

  it('balanced pairs: the selection equals a stable sort of every negative by distance (random batches, many ties)', () => {
    // The reference is the definition: all negatives in (i, j) order, stably sorted by distance, the first as many
    // as there are positives. Distances come from a few levels so that ties at the cut are common.
    const reference = (ls: Int32Array, d: Float32Array) => {
      const n = ls.length;
      const neg: Array<[number, number, number]> = [];
      let positives = 0;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (ls[i] === ls[j]) positives++; else neg.push([i, j, d[i * n + j]]);
      return neg.sort((x, y) => x[2] - y[2]).slice(0, Math.max(positives, 1));
    };
    let s = 7;
    const next = () => ((s = (s * 1103515245 + 12345) >>> 0), s / 4294967296);
    for (let run = 0; run < 300; run++) {
      const n = 2 + Math.floor(next() * 39);
      const classes = 1 + Math.floor(next() * 6);
      const ls = Int32Array.from({ length: n }, () => Math.floor(next() * classes));
      const d = new Float32Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d[i * n + j] = d[j * n + i] = Math.floor(next() * 5) / 4;
      const pairs = mineBalancedPairs(ls, d);
      const expected = reference(ls, d);
      expect(Array.from(pairs.negative.i)).toEqual(expected.map((e) => e[0]));
      expect(Array.from(pairs.negative.j)).toEqual(expected.map((e) => e[1]));
    }
  });
});

describe('losses on the hand-computed example', () => {
  it('contrastive, m = 3: (1 + 13 + (3−2)² + (3−2)²) / (2·4) = 2', () => {
    expect(lossValue({ kind: 'contrastive', margin: 3 })).toBeCloseTo(2, 5);
  });

  it('triplet batch-hard, α = 1: (0 + 0 + (13−4+1) + (13−4+1)) / 4 = 5', () => {
    expect(lossValue({ kind: 'triplet', margin: 1, mining: 'hard' })).toBeCloseTo(5, 5);
  });

  it('triplet semi-hard, α = 1: (0 + 0 + (13−5+1) + (13−9+1)) / 4 = 3.5', () => {
    expect(lossValue({ kind: 'triplet', margin: 1, mining: 'semihard' })).toBeCloseTo(3.5, 5);
  });

  it('triplet batch-all, α = 1: active (13−4+1)+(13−5+1)+(13−9+1)+(13−4+1) = 34 over 4 → 8.5', () => {
    // The four anchor-0/anchor-1 triplets have 1 − 4 + 1, 1 − 9 + 1, 1 − 5 + 1, 1 − 4 + 1 < 0: inactive.
    expect(lossValue({ kind: 'triplet', margin: 1, mining: 'all' })).toBeCloseTo(8.5, 5);
  });

  it('prototypical: first half of each class is support; mean cross-entropy of queries', () => {
    // labels [0,1,0,1,0]: class 0 = {0,2,4} → support {0} (⌊3/2⌋ = 1), queries {2,4}; class 1 = {1,3} → support {1}.
    // c0 = (0,0), c1 = (2,0). q2 = (1,0): d² = (1, 1) → CE = ln 2. q3 = (2,1): d² = (5, 1), true 1 →
    // CE = ln(1 + e^−4). q4 = (0,1): d² = (1, 5), true 0 → CE = ln(1 + e^−4).
    const proto = [0, 0, 2, 0, 1, 0, 2, 1, 0, 1];
    const expected = (Math.log(2) + 2 * Math.log(1 + Math.exp(-4))) / 3;
    expect(lossValue({ kind: 'proto' }, proto, Int32Array.from([0, 1, 0, 1, 0]))).toBeCloseTo(expected, 5);
  });

  it('prototypical with scale 0.5: the same episode with logits −0.5·d² → q2 ln 2, q3 and q4 ln(1 + e^−2)', () => {
    const proto = [0, 0, 2, 0, 1, 0, 2, 1, 0, 1];
    const expected = (Math.log(2) + 2 * Math.log(1 + Math.exp(-2))) / 3;
    expect(lossValue({ kind: 'proto', scale: 0.5 }, proto, Int32Array.from([0, 1, 0, 1, 0]))).toBeCloseTo(expected, 5);
  });

  it('prototypical: a scale that is not a positive number is an INVALID_ARGUMENT naming it', () => {
    for (const scale of [0, -1, Number.NaN, Infinity]) {
      expect(() => createLoss({ kind: 'proto', scale })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('scale') }));
    }
  });
});

describe('proxy loss (normalised softmax over class proxies, additive cosine margin)', () => {
  /** A 2-D proxy loss over `classes` classes with the given proxies (rows), as createLoss builds it. */
  function proxyWith(proxies: number[], classes: number, scale: number, margin: number) {
    const loss = createLoss({ kind: 'proxy', classes, scale, margin }, { embeddingSize: 2, seed: 3 });
    expect(loss.parameters?.map((p) => [p.name, p.variable.shape])).toEqual([[PROXIES_NAME, [classes, 2]]]);
    loss.parameters![0].variable.assign(tf.tensor2d(proxies, [classes, 2]));
    return loss;
  }

  it('scale 2, margin 0.5: e0 = (3,0) of class 0 and e1 = (0,0.5) of class 1 against proxies (2,0), (0,1), (−1,0)', () => {
    // Both sides are normalised: cos(e0, ·) = (1, 0, −1), cos(e1, ·) = (0, 1, 0). Logits s·(cos − m·[true]):
    // e0: 2·(0.5, 0, −1) = (1, 0, −2) → CE = −ln(e / (e + 1 + e^−2)); e1: (0, 1, 0) → CE = −ln(e / (e + 2)).
    const loss = proxyWith([2, 0, 0, 1, -1, 0], 3, 2, 0.5);
    const ce0 = -Math.log(Math.E / (Math.E + 1 + Math.exp(-2)));
    const ce1 = -Math.log(Math.E / (Math.E + 2));
    const value = tf.tidy(() => loss(tf.tensor2d([3, 0, 0, 0.5], [2, 2]), Int32Array.from([0, 1])).dataSync()[0]);
    expect(value).toBeCloseTo((ce0 + ce1) / 2, 5);
    loss.parameters![0].variable.dispose();
  });

  it('margin 0 is the plain normalised softmax, and the proxies get a gradient that pulls the true proxy towards its image', () => {
    const loss = proxyWith([2, 0, 0, 1, -1, 0], 3, 1, 0);
    const proxies = loss.parameters![0].variable;
    const value = tf.tidy(() => loss(tf.tensor2d([3, 0], [1, 2]), Int32Array.from([0])).dataSync()[0]);
    expect(value).toBeCloseTo(-Math.log(Math.E / (Math.E + 1 + Math.exp(-1))), 5);
    // e = (1, 0) of class 0: proxy 1 at (0, 1) is pushed away from e (its gradient along x is positive: descent
    // moves it to −x); proxy 0 lies on e already, so only its norm could change, which the loss ignores (0).
    const { grads } = tf.variableGrads(() => loss(tf.tensor2d([3, 0], [1, 2]), Int32Array.from([0])), [proxies]);
    const g = grads[proxies.name].arraySync() as number[][];
    expect(Math.abs(g[0][0])).toBeLessThan(1e-6);
    expect(g[1][0]).toBeGreaterThan(0.05);
    tf.dispose(Object.values(grads));
    proxies.dispose();
  });

  it('rejects a label outside the classes, a missing class count or embedding size, and bad settings', () => {
    const loss = proxyWith([1, 0, 0, 1], 2, 16, 0.1);
    expect(() => tf.tidy(() => loss(tf.tensor2d([1, 0], [1, 2]), Int32Array.from([2])))).toThrow(/label 2 is outside the 2 training classes/);
    loss.parameters![0].variable.dispose();
    expect(() => createLoss({ kind: 'proxy' }, { embeddingSize: 2 })).toThrow(/number of training classes/);
    expect(() => createLoss({ kind: 'proxy', classes: 4 })).toThrow(/embedding size/);
    for (const config of [{ kind: 'proxy', classes: 1 }, { kind: 'proxy', classes: 2.5 }, { kind: 'proxy', classes: 4, scale: 0 }, { kind: 'proxy', classes: 4, margin: 1 }, { kind: 'proxy', classes: 4, margin: -0.1 }]) {
      expect(() => validateLossConfig(config as LossConfig), JSON.stringify(config)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});

describe('numerical safety', () => {
  const duplicates = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5];
  const dupLabels = Int32Array.from([0, 0, 1, 1]);
  const configs: LossConfig[] = [
    { kind: 'contrastive', margin: 1 },
    { kind: 'triplet', margin: 0.2, mining: 'all' },
    { kind: 'triplet', margin: 0.2, mining: 'hard' },
    { kind: 'triplet', margin: 0.2, mining: 'semihard' },
    { kind: 'proto' },
  ];
  for (const config of configs) {
    it(`${config.kind}${'mining' in config ? ' ' + config.mining : ''}: finite gradient with coinciding embeddings (d = 0)`, () => {
      const g = lossGradient(config, duplicates, dupLabels);
      expect(g.every((v) => Number.isFinite(v))).toBe(true);
      expect(g.some((v) => v !== 0)).toBe(true);
    });
  }
});

describe('validation', () => {
  const bad: Array<[string, unknown]> = [
    ['unknown kind', { kind: 'arcface' }],
    ['zero margin', { kind: 'contrastive', margin: 0 }],
    ['negative margin', { kind: 'triplet', margin: -0.1, mining: 'hard' }],
    ['NaN margin', { kind: 'triplet', margin: Number.NaN, mining: 'hard' }],
    ['unknown mining', { kind: 'triplet', margin: 0.2, mining: 'hardest' }],
  ];
  for (const [name, config] of bad) {
    it(`rejects ${name} with INVALID_ARGUMENT before any work`, () => {
      let error: unknown;
      try {
        createLoss(config as LossConfig);
      } catch (e) {
        error = e;
      }
      expect(isSiameseError(error, 'INVALID_ARGUMENT')).toBe(true);
    });
  }

  it('prototypical: a class with one example in the batch is an INVALID_ARGUMENT naming the class', () => {
    const loss = createLoss({ kind: 'proto' });
    expect(() => tf.tidy(() => loss(tf.tensor2d([0, 0, 1, 1, 2, 2], [3, 2]), Int32Array.from([4, 4, 7])))).toThrow(/class 7/);
  });
});
