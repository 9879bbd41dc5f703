import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../src/index.js';

describe('parseDecimal', () => {
  it('reads decimal numbers as typed and nothing else', () => {
    for (const [text, value] of [['0', 0], ['0.5', 0.5], ['-3', -3], ['+2', 2], ['.25', 0.25], ['1e-3', 0.001], ['2E3', 2000], [' 7 ', 7], ['10.', 10]] as const) {
      expect(parseDecimal(text), text).toBe(value);
    }
    for (const text of ['', ' ', '0x10', '1e', 'abc', '1,5', 'Infinity', 'NaN', '--1', '1 2']) expect(parseDecimal(text), JSON.stringify(text)).toBeNaN();
  });
});
