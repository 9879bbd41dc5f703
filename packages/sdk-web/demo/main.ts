/**
 * The demo: pick or drop support images per label and a query; see the labels ranked by the model, in the browser.
 * URL parameters: ?device=auto|wasm|webgpu (onnxruntime-web is configured once per page, so switching reloads),
 * ?model=<url of a siamese-sdk .onnx>, ?worker=1 (run the SDK in a module Web Worker).
 */
import { SiameseError, type DeviceRequest } from '@siamese-sdk/web';
import { loadManifest, type DemoSet } from './demo-manifest.js';
import { PageRanker, WorkerRanker, type Ranker } from './ranker.js';
import { renderRanking } from './results-view.js';
import { SupportEditor, makeDropTarget } from './support-editor.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const state = (s: 'loading' | 'ready' | 'ranking' | 'ranked' | 'error'): void => { document.body.dataset.state = s; };

let ranker: Ranker | undefined;
let support: Promise<void> = Promise.resolve();
let query: File | string | undefined;
let generation = 0;

function showError(e: unknown): void {
  const verdict = $('verdict');
  verdict.className = 'unknown';
  const code = (e as { code?: string })?.code;
  verdict.textContent = code ? `${code}: ${(e as Error).message}` : `Error: ${(e as Error)?.message ?? String(e)}`;
  state('error');
}

const editor = new SupportEditor($('labels'), () => {
  // Embed the support images once per change; every query then only embeds itself.
  if (!ranker) return;
  support = ranker.setSupport(editor.entries());
  support.catch(showError);
  void rankQuery();
});

async function rankQuery(): Promise<void> {
  if (!ranker || query === undefined) return;
  const mine = ++generation;
  state('ranking');
  try {
    await support;
    const t0 = performance.now();
    const ranking = await ranker.rank(query);
    const ms = performance.now() - t0;
    if (mine !== generation) return;
    renderRanking($('results') as HTMLTableElement, $('verdict'), ranking);
    const where = ranker instanceof WorkerRanker ? ' in a Web Worker' : '';
    $('timing').textContent = `Ranking took ${ms.toFixed(1)} ms (embedding the query + comparing with ${ranking.labels} labels, ${ranking.examples} examples) on ${ranker.info.device}${where}.`;
    $('timing').dataset.ms = String(ms);
    state('ranked');
  } catch (e) {
    if (mine === generation) showError(e);
  }
}

function setQuery(input: File | string, preview: string): void {
  query = input;
  const img = $<HTMLImageElement>('query-preview');
  img.src = preview;
  img.hidden = false;
  void rankQuery();
}

function showBuiltinQueries(set: DemoSet): void {
  $('builtin-queries').replaceChildren(...set.queries.map(({ url, expected }) => {
    const img = document.createElement('img');
    img.src = url;
    img.alt = img.title = `a ${expected} drawn by someone else`;
    img.dataset.expected = expected;
    img.dataset.url = url;
    img.addEventListener('click', () => {
      for (const other of $('builtin-queries').querySelectorAll('img')) other.classList.remove('selected');
      img.classList.add('selected');
      setQuery(url, url);
    });
    return img;
  }));
}

function useSet(set: DemoSet | undefined): void {
  editor.loadSet(set ?? { id: '', title: '', labels: [], queries: [] });
  if (set) showBuiltinQueries(set);
  else $('builtin-queries').replaceChildren();
}

function wireInputs(sets: DemoSet[]): void {
  const select = $<HTMLSelectElement>('set-select');
  select.replaceChildren(...sets.map((s) => new Option(s.title, s.id)), new Option('(empty — build your own)', ''));
  select.addEventListener('change', () => useSet(sets.find((s) => s.id === select.value)));
  const queryFile = $<HTMLInputElement>('query-file');
  queryFile.addEventListener('change', () => {
    const file = queryFile.files?.[0];
    if (file) setQuery(file, URL.createObjectURL(file));
  });
  makeDropTarget($('query-drop'), ([file]) => setQuery(file, URL.createObjectURL(file)));
  const newFiles = $<HTMLInputElement>('new-label-files');
  newFiles.addEventListener('change', () => {
    const name = $<HTMLInputElement>('new-label-name').value.trim();
    if (!name) return showError(new SiameseError('INVALID_ARGUMENT', 'type a label name first'));
    if (newFiles.files) editor.addFiles(name, newFiles.files);
    $<HTMLInputElement>('new-label-name').value = '';
    newFiles.value = '';
  });
  $('new-label').addEventListener('submit', (e) => e.preventDefault());
}

async function main(): Promise<void> {
  state('loading');
  const manifest = await loadManifest();
  wireInputs(manifest.sets);
  // The trained default model is the one beside the package (the bundler emits it); the untrained fixture by URL.
  const modelUrl = params.get('model') ?? (manifest.model?.trained ? undefined : manifest.model?.url);
  if (!modelUrl && !manifest.model?.trained) throw new SiameseError('NOT_FOUND', 'this demo was built without a model; open it with ?model=<url of a siamese-sdk .onnx>');
  if (manifest.model && !manifest.model.trained && !params.get('model')) {
    const warning = $('model-warning');
    warning.textContent = 'This build has only the untrained test model (random weights): rankings show the mechanics, not real similarity.';
    warning.hidden = false;
  }
  const options = { modelUrl, device: (params.get('device') ?? 'auto') as DeviceRequest };
  const t0 = performance.now();
  ranker = params.get('worker') === '1' ? await WorkerRanker.create(options) : await PageRanker.create(options);
  const { device, threads, modelName } = ranker.info;
  const runtime = $('runtime');
  const threadText = device === 'wasm' ? ` · ${threads} thread${threads === 1 ? '' : 's'}` : '';
  const where = ranker instanceof WorkerRanker ? ' · in a Web Worker' : '';
  runtime.textContent = `Backend: ${device}${threadText}${where} · ${crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated'} · model "${modelName}" loaded in ${(performance.now() - t0).toFixed(0)} ms`;
  runtime.dataset.device = device;
  runtime.dataset.threads = String(threads);
  runtime.dataset.worker = String(ranker instanceof WorkerRanker);
  state('ready');
  useSet(manifest.sets[0]);
}

main().catch(showError);
