/**
 * The support-set editor: labels with example images, filled from a built-in set or by dropping/picking files.
 * Calls `onChange` whenever the labels or their images change, so the page can rebuild the cached SupportSet.
 */
import type { DemoSet } from './demo-manifest.js';

/** An image of a label: a File the person dropped or a URL of a built-in image, with a thumbnail URL. */
export interface SupportImage {
  source: File | string;
  thumb: string;
}

export class SupportEditor {
  readonly labels = new Map<string, SupportImage[]>();

  constructor(private readonly container: HTMLElement, private readonly onChange: () => void) {}

  loadSet(set: DemoSet): void {
    this.clearThumbs();
    this.labels.clear();
    for (const { label, images } of set.labels) this.labels.set(label, images.map((url) => ({ source: url, thumb: url })));
    this.changed();
  }

  addFiles(label: string, files: Iterable<File>): void {
    const images = [...files].filter((f) => f.type.startsWith('image/') || f.type === '').map((f) => ({ source: f, thumb: URL.createObjectURL(f) }));
    if (images.length === 0) return;
    this.labels.set(label, [...(this.labels.get(label) ?? []), ...images]);
    this.changed();
  }

  /** The entries in the SDK's `{ label: image[] }` form. */
  entries(): Record<string, (File | string)[]> {
    return Object.fromEntries([...this.labels].map(([label, images]) => [label, images.map((i) => i.source)]));
  }

  private remove(label: string): void {
    for (const image of this.labels.get(label) ?? []) if (image.source instanceof File) URL.revokeObjectURL(image.thumb);
    this.labels.delete(label);
    this.changed();
  }

  private clearThumbs(): void {
    for (const images of this.labels.values()) for (const image of images) if (image.source instanceof File) URL.revokeObjectURL(image.thumb);
  }

  private changed(): void {
    this.render();
    this.onChange();
  }

  private render(): void {
    this.container.replaceChildren(...[...this.labels].map(([label, images]) => this.card(label, images)));
  }

  private card(label: string, images: SupportImage[]): HTMLElement {
    const card = document.createElement('div');
    card.className = 'label-card';
    card.dataset.label = label;
    const head = document.createElement('header');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = `${label} (${images.length})`;
    const actions = document.createElement('span');
    const pick = document.createElement('label');
    pick.className = 'button';
    pick.textContent = '+ images';
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = 'image/*';
    input.multiple = true;
    input.hidden = true;
    input.addEventListener('change', () => input.files && this.addFiles(label, input.files));
    pick.append(input);
    const remove = document.createElement('button');
    remove.className = 'remove';
    remove.title = `remove label ${label}`;
    remove.textContent = '×';
    remove.addEventListener('click', () => this.remove(label));
    actions.append(pick, remove);
    head.append(name, actions);
    const thumbs = document.createElement('div');
    thumbs.className = 'thumbs';
    for (const image of images) {
      const img = document.createElement('img');
      img.src = image.thumb;
      img.alt = label;
      thumbs.append(img);
    }
    card.append(head, thumbs);
    makeDropTarget(card, (files) => this.addFiles(label, files));
    return card;
  }
}

/** Highlights `element` while files are dragged over it and hands dropped files to `onFiles`. */
export function makeDropTarget(element: HTMLElement, onFiles: (files: File[]) => void): void {
  element.addEventListener('dragover', (e) => {
    e.preventDefault();
    element.classList.add('dragover');
  });
  element.addEventListener('dragleave', () => element.classList.remove('dragover'));
  element.addEventListener('drop', (e) => {
    e.preventDefault();
    element.classList.remove('dragover');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length > 0) onFiles(files);
  });
}
