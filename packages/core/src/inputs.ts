/**
 * Normalising what callers pass: the accepted support-set forms, labels, and raw decoded images. Shared by every
 * SDK so `{ label: image | image[] }`, a Map and `{ label, image }[]` mean the same thing everywhere.
 */
import { SiameseError } from './errors.js';
import type { RawImage } from './image.js';

/** `{ label: image | image[] }`, a Map of the same, or a list of `{ label, image }` pairs. */
export type SupportEntries<TImage> =
  | { readonly [label: string]: TImage | readonly TImage[] }
  | ReadonlyMap<string, TImage | readonly TImage[]>
  | readonly { readonly label: string; readonly image: TImage }[];

export interface LabelImages<TImage> {
  label: string;
  images: TImage[];
}

/** Longest label accepted, in UTF-16 code units: labels are names, not payloads. */
export const MAX_LABEL_LENGTH = 1024;
/** Names that would be dangerous as object keys in a caller's code or a stored JSON, refused as labels. */
const RESERVED_LABELS = new Set(['__proto__', 'constructor', 'prototype']);

/** Throws `code` unless `label` is a usable label (a non-empty, not reserved string of ≤ MAX_LABEL_LENGTH). */
export function assertLabel(label: unknown, code: 'INVALID_ARGUMENT' | 'SUPPORT_SET_INVALID' = 'INVALID_ARGUMENT'): asserts label is string {
  if (typeof label !== 'string' || label.length === 0) throw new SiameseError(code, `a label must be a non-empty string, got ${describe(label)}`);
  if (label.length > MAX_LABEL_LENGTH) {
    throw new SiameseError(code, `a label is ${label.length} characters long, over the limit of ${MAX_LABEL_LENGTH}`, { labelLength: label.length });
  }
  if (RESERVED_LABELS.has(label)) throw new SiameseError(code, `"${label}" is a reserved name and cannot be a label`, { label });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Groups the entries by label in first-seen order. Throws SUPPORT_SET_EMPTY for no labels, SUPPORT_LABEL_EMPTY
 * for a label without images, INVALID_ARGUMENT for anything that is not one of the forms. The caller's objects
 * are only read.
 */
export function normalizeSupportEntries<TImage>(entries: SupportEntries<TImage>): LabelImages<TImage>[] {
  const groups = new Map<string, TImage[]>();
  const addGroup = (label: unknown, value: TImage | readonly TImage[] | undefined): void => {
    assertLabel(label);
    const images = Array.isArray(value) ? [...(value as readonly TImage[])] : value === undefined || value === null ? [] : [value as TImage];
    if (images.length === 0) throw new SiameseError('SUPPORT_LABEL_EMPTY', `label "${label}" has no images`, { label });
    images.forEach((image, i) => {
      if (image === undefined || image === null) throw new SiameseError('INVALID_ARGUMENT', `label "${label}": image ${i} is ${String(image)}`, { label, index: i });
    });
    const group = groups.get(label);
    if (group) group.push(...images);
    else groups.set(label, images);
  };

  if (entries instanceof Map) {
    for (const [label, value] of entries) addGroup(label, value);
  } else if (Array.isArray(entries)) {
    entries.forEach((entry: unknown, i) => {
      if (!isPlainObject(entry) || !('label' in entry) || !('image' in entry)) {
        throw new SiameseError('INVALID_ARGUMENT', `support-set entry ${i} must be { label, image }, got ${describe(entry)}`, { index: i });
      }
      addGroup(entry.label, entry.image as TImage);
    });
  } else if (isPlainObject(entries)) {
    for (const label of Object.keys(entries)) addGroup(label, (entries as Record<string, TImage | TImage[]>)[label]);
  } else {
    throw new SiameseError('INVALID_ARGUMENT', `a support set must be { label: image | image[] }, a Map or { label, image }[]; got ${describe(entries)}`);
  }
  if (groups.size === 0) throw new SiameseError('SUPPORT_SET_EMPTY', 'the support set has no labels');
  return [...groups].map(([label, images]) => ({ label, images }));
}

/**
 * Whether `value` is meant as a {@link RawImage}: an object with `data`, `width`, `height` and `channels`. Recognised by
 * those names, not by their types, so that a wrong type (a Float32Array of data, a string width) is reported by
 * `assertRawImage` as what it is rather than as "not an image input".
 */
export function isRawImage(value: unknown): value is RawImage {
  return typeof value === 'object' && value !== null && 'data' in value && 'width' in value && 'height' in value && 'channels' in value;
}
