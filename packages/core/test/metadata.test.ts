import { describe, expect, it } from 'vitest';
import { conv4Metadata } from './helpers.js';
import { MODEL_DTYPES, distanceToProbability, parseModelMetadata, serializeModelMetadata, SiameseError, type ModelMetadata } from '../src/index.js';

const valid: ModelMetadata = conv4Metadata({ name: 'test', createdAt: '2026-11-29T00:00:00.000Z', evaluation: { val_5way_1shot: 0.97 } });

function fieldOf(json: string): unknown {
  try {
    parseModelMetadata(json);
  } catch (e) {
    expect(e).toBeInstanceOf(SiameseError);
    expect((e as SiameseError).code).toBe('MODEL_METADATA');
    return (e as SiameseError).details.field ?? '(record)';
  }
  return undefined;
}

describe('model metadata', () => {
  it('round-trips a valid record', () => {
    expect(parseModelMetadata(serializeModelMetadata(valid))).toEqual(valid);
  });
  it('names the offending field of an invalid record', () => {
    const broken = (patch: (m: Record<string, any>) => void) => {
      const m = structuredClone(valid) as Record<string, any>;
      patch(m);
      return fieldOf(JSON.stringify(m));
    };
    expect(fieldOf('not json')).toBe('(record)');
    expect(broken((m) => { m.version = 2; })).toBe('version');
    expect(broken((m) => { m.schema = 'other'; })).toBe('schema');
    expect(broken((m) => { m.input.channels = 2; })).toBe('input.channels');
    expect(broken((m) => { m.preprocess.std = [0]; })).toBe('preprocess.std[0]');
    expect(broken((m) => { m.preprocess.mean = [0, 0, 0]; })).toBe('preprocess.mean');
    expect(broken((m) => { m.output.size = 0; })).toBe('output.size');
    expect(broken((m) => { m.distance = 'manhattan'; })).toBe('distance');
    expect(broken((m) => { m.calibration.threshold = null; })).toBe('calibration.threshold');
    expect(broken((m) => { delete m.producer; })).toBe('producer');
    expect(broken((m) => { m.dtype = 'int4'; })).toBe('dtype');
  });
  it('accepts every dtype the exporter writes', () => {
    for (const dtype of MODEL_DTYPES) expect(parseModelMetadata(serializeModelMetadata({ ...valid, dtype })).dtype).toBe(dtype);
  });
  it('turns distances into probabilities that fall as the distance grows, 0.5 where a·d + b = 0', () => {
    const c = valid.calibration;
    expect(distanceToProbability(7 / 8, c)).toBeCloseTo(0.5, 12);
    expect(distanceToProbability(0.2, c)).toBeGreaterThan(distanceToProbability(1.2, c));
  });
});
