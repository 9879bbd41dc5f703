/**
 * Creating a folder the user named for output (a run folder, an exported model's folder) before any work: a file in
 * the way or a folder without write permission is a typed error naming the option, not a stack trace after minutes.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { SiameseError } from '@siamese-sdk/core';

/** `option` names what the user gave, for the message: e.g. '--out runs/x'. */
export function ensureWritableFolder(dir: string, option: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : (code ?? String(error));
    throw new SiameseError('INVALID_ARGUMENT', `${option}: cannot create or write the folder ${dir} (${why})`, { path: dir }, { cause: error });
  }
}

/**
 * The same check without creating anything (for output written only at the end, e.g. an exported model, so a
 * failed export leaves no stray folders): the nearest existing folder on the way must be a writable directory.
 */
export function assertFolderCanBeMade(dir: string, option: string): void {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  let why: string | undefined;
  if (!statSync(existing).isDirectory()) why = `${existing} is a file`;
  else {
    try {
      accessSync(existing, constants.W_OK);
    } catch (error) {
      why = `${existing} is not writable (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
  }
  if (why) throw new SiameseError('INVALID_ARGUMENT', `${option}: cannot create or write the folder ${dir} (${why})`, { path: dir });
}
