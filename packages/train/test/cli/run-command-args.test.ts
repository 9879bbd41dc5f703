/** The argument parser `eval` and `export` share: string options, boolean flags (--tta), one positional. */
import { describe, expect, it } from 'vitest';
import { isSiameseError } from '@siamese-sdk/core';
import { parseRunCommandArgs } from '../../src/cli/run-command-args.js';

const USAGE = 'Usage: test <run>';

describe('parseRunCommandArgs', () => {
  it('reads options, flags and the run', () => {
    const parsed = parseRunCommandArgs(['runs/a', '--episodes', '50', '--tta'], ['episodes', 'split'], USAGE, 'run folder', ['tta']);
    expect(parsed).toEqual({ target: 'runs/a', values: { episodes: '50' }, flags: { tta: true } });
    expect(parseRunCommandArgs(['runs/a'], ['episodes'], USAGE, 'run folder', ['tta']).flags).toEqual({});
  });

  it('refuses a value given to a flag, an unknown flag and a missing or extra run, with the usage', () => {
    for (const argv of [['runs/a', '--tta=yes'], ['runs/a', '--views'], [], ['runs/a', 'runs/b']]) {
      let error: unknown;
      try {
        parseRunCommandArgs(argv, ['episodes'], USAGE, 'run folder', ['tta']);
      } catch (e) {
        error = e;
      }
      expect(isSiameseError(error) && error.code, argv.join(' ')).toBe('INVALID_ARGUMENT');
      expect((error as Error).message).toContain(USAGE);
    }
  });
});
