/**
 * Argument parsing shared by the subcommands that act on one run (`eval`, `export`): string options, exactly one
 * positional (the run folder or checkpoint), and every mistake a SiameseError that ends with the command's usage.
 */
import { parseArgs } from 'node:util';
import { SiameseError } from '@siamese-sdk/core';

export function parseRunCommandArgs<K extends string>(
  argv: string[],
  optionNames: readonly K[],
  usage: string,
  positionalName: string,
): { target: string; values: Partial<Record<K, string>> } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: Object.fromEntries(optionNames.map((name) => [name, { type: 'string' as const }])),
    });
  } catch (e) {
    throw new SiameseError('INVALID_ARGUMENT', `${(e as Error).message}\n${usage}`);
  }
  const [target, ...extra] = parsed.positionals;
  if (!target || extra.length) throw new SiameseError('INVALID_ARGUMENT', `expected exactly one ${positionalName}\n${usage}`);
  return { target, values: parsed.values as Partial<Record<K, string>> };
}
