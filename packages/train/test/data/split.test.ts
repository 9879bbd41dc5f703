import { describe, expect, it } from 'vitest';
import { assertSameSplit, splitTrainVal, restrictToGroups } from '../../src/data/split.js';
import { poolFromSet, spreadClasses } from '../../src/data/class-pool.js';
import { numberedSet } from '../sampling/fake-set.js';

describe('splitTrainVal', () => {
  const groups = Array.from({ length: 30 }, (_, c) => `alphabet${c % 10}`);
  const set = numberedSet(new Array<number>(30).fill(3), groups);

  it('holds out whole groups, class-disjoint, repeatable from the seed', () => {
    const a = splitTrainVal(set, { seed: 5, valFraction: 0.2 });
    const b = splitTrainVal(set, { seed: 5, valFraction: 0.2 });
    const c = splitTrainVal(set, { seed: 6, valFraction: 0.2 });
    expect(a.description.valGroups.length).toBe(2);
    expect(a.description.valGroups).toEqual(b.description.valGroups);
    expect(a.description.valGroups).not.toEqual(c.description.valGroups);
    const trainNames = new Set(a.train.classes.map((x) => x.name));
    expect(a.val.classes.some((x) => trainNames.has(x.name))).toBe(false);
    expect(a.train.classes.length + a.val.classes.length).toBe(30);
    const valGroups = new Set(a.val.classes.map((x) => x.group));
    expect(a.train.classes.some((x) => valGroups.has(x.group))).toBe(false);
  });

  it('holds out exactly the requested groups; classes individually when there are no groups', () => {
    const s = splitTrainVal(set, { valGroups: ['alphabet3'] });
    expect(s.val.classes.every((x) => x.group === 'alphabet3')).toBe(true);
    expect(s.val.classes.length).toBe(3);
    expect(() => splitTrainVal(set, { valGroups: ['Klingon'] })).toThrow(/unknown validation group/);
    const flat = splitTrainVal(numberedSet(new Array<number>(10).fill(2)), { seed: 1, valFraction: 0.3 });
    expect(flat.description.by).toBe('class');
    expect(flat.val.classes.length).toBe(3);
    expect(restrictToGroups(s.train, ['alphabet1']).classes.length).toBe(3);
  });

  it('spreadClasses takes classes evenly over the pool, not its first ones', () => {
    const pool = poolFromSet(numberedSet(new Array<number>(20).fill(2)));
    expect(spreadClasses(pool, 10).classes.map((c) => c.name)).toEqual(pool.classes.filter((_, i) => i % 2 === 0).map((c) => c.name));
    expect(spreadClasses(pool, 3).classes.map((c) => c.name)).toEqual([0, 6, 13].map((i) => pool.classes[i].name));
    expect(spreadClasses(pool, 50)).toBe(pool);
  });

  it('valFraction 0 is a final fit: every class trains, nothing is held out; outside [0, 1) is refused', () => {
    for (const s of [splitTrainVal(set, { seed: 5, valFraction: 0 }), splitTrainVal(numberedSet(new Array<number>(10).fill(2)), { valFraction: 0 })]) {
      expect(s.val.classes).toEqual([]);
      expect(s.train.classes.length).toBe(s.train.set.classes.length);
      expect(s.description).toMatchObject({ valFraction: 0, valGroups: [], valClasses: 0 });
    }
    expect(() => splitTrainVal(set, { valFraction: 1 })).toThrow(/valFraction must be in \[0, 1\), got 1/);
    expect(() => splitTrainVal(set, { valFraction: -0.1 })).toThrow(/valFraction must be in \[0, 1\)/);
  });
});

describe('assertSameSplit', () => {
  const flatSet = (names: string[]) => {
    const set = numberedSet(new Array<number>(names.length).fill(2));
    return { ...set, classes: set.classes.map((c, i) => ({ ...c, name: names[i] })) };
  };
  const names = Array.from({ length: 10 }, (_, i) => `class${i}`);

  it('passes for the same data, and for runs recorded before splits were described', () => {
    const recorded = splitTrainVal(flatSet(names), { seed: 2 }).description;
    expect(() => assertSameSplit(JSON.parse(JSON.stringify(recorded)), splitTrainVal(flatSet(names), { seed: 2 }).description, 'runs/x')).not.toThrow();
    expect(() => assertSameSplit(undefined, recorded, 'runs/x')).not.toThrow();
    // An older record without class names: the counts are still compared.
    const { valClassNames: _names, ...old } = recorded;
    expect(() => assertSameSplit(old, recorded, 'runs/x')).not.toThrow();
  });

  it('refuses a dataset with classes added, removed or renamed since, naming what changed', () => {
    const recorded = splitTrainVal(flatSet(names), { seed: 2 }).description;
    const added = splitTrainVal(flatSet([...names, 'class10', 'class11']), { seed: 2 }).description;
    expect(() => assertSameSplit(recorded, added, 'runs/x')).toThrow(/dataset changed since runs\/x was trained.*training classes then/);
    // Same counts, one held-out class renamed (the split picks by position, so it is still held out): only the
    // names can tell.
    const renamed = names.map((n) => (n === recorded.valClassNames[0] ? 'renamed' : n));
    const now = splitTrainVal(flatSet(renamed), { seed: 2 }).description;
    expect(now.valClassNames).toContain('renamed');
    expect(() => assertSameSplit(recorded, now, 'runs/x')).toThrow(/validation classes then: .*; now: .*renamed/);
    expect(() => assertSameSplit(recorded, added, 'runs/x')).toThrow(expect.objectContaining({ code: 'DATASET_INVALID' }));
  });
});
