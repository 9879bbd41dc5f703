/**
 * A support set laid out on disk as `<dir>/<label>/<images>`: each sub-directory is a label, each image file in it
 * an example. Labels and files are sorted so the same folder always gives the same set; hidden entries and files
 * that are not images (by extension) are skipped. Symbolic links count as what they point to (a linked label folder
 * or image is part of the set); a link that points nowhere is an error, never silently dropped.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SiameseError } from '@siamese-sdk/core';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.gif', '.bmp', '.tif', '.tiff', '.webp']);

type EntryKind = 'directory' | 'file' | 'other';

/** What a directory entry is, following a symbolic link to its target. */
async function entryKind(entry: Dirent, path: string): Promise<EntryKind> {
  if (!entry.isSymbolicLink()) return entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
  try {
    const target = await stat(path);
    return target.isDirectory() ? 'directory' : target.isFile() ? 'file' : 'other';
  } catch (error) {
    throw new SiameseError('NOT_FOUND', `support-set entry ${path} is a symbolic link to nothing that can be read`, { path }, { cause: error });
  }
}

async function listDirectory(path: string, what: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new SiameseError('INVALID_ARGUMENT', `${what} ${path} is a file; expected a directory of <label>/<images>`, { path });
    if (code === 'ENOENT') throw new SiameseError('NOT_FOUND', `no such ${what} directory: ${path}`, { path }, { cause: error });
    throw new SiameseError('NOT_FOUND', `cannot read ${what} directory ${path} (${code ?? String(error)})`, { path }, { cause: error });
  }
}

/** Names of the visible entries of the directory `path` (`what`, for messages) of the wanted kind, sorted. */
async function visibleEntries(path: string, what: string, kind: EntryKind, keep: (name: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await listDirectory(path, what)) {
    if (entry.name.startsWith('.') || !keep(entry.name)) continue;
    if ((await entryKind(entry, join(path, entry.name))) === kind) names.push(entry.name);
  }
  return names.sort();
}

const isImage = (name: string): boolean => IMAGE_EXTENSIONS.has(extname(name).toLowerCase());

export async function readSupportDirectory(dir: string): Promise<Map<string, string[]>> {
  const labels = await visibleEntries(dir, 'support-set', 'directory', () => true);
  if (labels.length === 0) throw new SiameseError('SUPPORT_SET_EMPTY', `support-set directory ${dir} has no label sub-directories`, { path: dir });
  const set = new Map<string, string[]>();
  for (const label of labels) {
    const labelDir = join(dir, label);
    const files = (await visibleEntries(labelDir, `label "${label}"`, 'file', isImage)).map((name) => join(labelDir, name));
    if (files.length === 0) throw new SiameseError('SUPPORT_LABEL_EMPTY', `label "${label}" (${labelDir}) has no image files`, { label, path: labelDir });
    set.set(label, files);
  }
  return set;
}
