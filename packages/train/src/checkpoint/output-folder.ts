/**
 * Creating a folder the user named for output (a run folder, an exported model's folder) before any work: a file in
 * the way or a folder without write permission is a typed error naming the option, not a stack trace after minutes.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
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
