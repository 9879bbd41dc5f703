/**
 * A support set laid out on disk as `<dir>/<label>/<images>`: each sub-directory is a label, each image file in it
 * an example. Labels and files are sorted so the same folder always gives the same set; hidden entries and files
 * that are not images (by extension) are skipped.
 */
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SiameseError } from '@siamese-sdk/core';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.gif', '.bmp', '.tif', '.tiff', '.webp']);

export async function readSupportDirectory(dir: string): Promise<Map<string, string[]>> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new SiameseError('INVALID_ARGUMENT', `support set ${dir} is a file; expected a directory of <label>/<images>`, { path: dir });
    throw new SiameseError('NOT_FOUND', `no such support-set directory: ${dir}`, { path: dir }, { cause: error });
  }
  const labels = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (labels.length === 0) throw new SiameseError('SUPPORT_SET_EMPTY', `support-set directory ${dir} has no label sub-directories`, { path: dir });
  const set = new Map<string, string[]>();
  for (const label of labels) {
    const files = (await readdir(join(dir, label), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => join(dir, label, e.name))
      .sort();
    if (files.length === 0) throw new SiameseError('SUPPORT_LABEL_EMPTY', `label "${label}" (${join(dir, label)}) has no image files`, { label, path: join(dir, label) });
    set.set(label, files);
  }
  return set;
}
