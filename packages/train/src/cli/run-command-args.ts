/**
 * Argument parsing shared by the subcommands that act on one run (`eval`, `export`): string options, boolean
 * flags, exactly one positional (the run folder or checkpoint), and every mistake a SiameseError that ends with the
 * command's usage.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SiameseError } from '@siamese-sdk/core';

export function parseRunCommandArgs<K extends string, F extends string = never>(
  argv: string[],
  optionNames: readonly K[],
  usage: string,
  positionalName: string,
  flagNames: readonly F[] = [],
): { target: string; values: Partial<Record<K, string>>; flags: Partial<Record<F, boolean>> } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...Object.fromEntries(optionNames.map((name) => [name, { type: 'string' as const }])),
        ...Object.fromEntries(flagNames.map((name) => [name, { type: 'boolean' as const }])),
      },
    });
  } catch (e) {
    throw new SiameseError('INVALID_ARGUMENT', `${(e as Error).message}\n${usage}`);
  }
  const [target, ...extra] = parsed.positionals;
  if (!target || extra.length) throw new SiameseError('INVALID_ARGUMENT', `expected exactly one ${positionalName}\n${usage}`);
  const values: Record<string, string> = {};
  const flags: Record<string, boolean> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'boolean') flags[name] = value;
    else if (typeof value === 'string') values[name] = value;
  }
  return { target, values: values as Partial<Record<K, string>>, flags: flags as Partial<Record<F, boolean>> };
}

/**
 * Where the run's data is on this machine, as given: a moved folder dataset (`--data`; 'omniglot' is a name, not a
 * folder), the Omniglot zips, the cache. The split is redone from the data and checked against the run's record.
 */
export function dataOverrides(v: { data?: string; 'omniglot-dir'?: string; 'cache-dir'?: string }): { data?: string; omniglotDir?: string; cacheDir?: string } {
  return {
    ...(v.data ? { data: v.data === 'omniglot' ? 'omniglot' : resolve(v.data) } : {}),
    ...(v['omniglot-dir'] ? { omniglotDir: v['omniglot-dir'] } : {}),
    ...(v['cache-dir'] ? { cacheDir: v['cache-dir'] } : {}),
  };
}
