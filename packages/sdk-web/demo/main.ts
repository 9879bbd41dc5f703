/**
 * The demo: pick or drop support images per label and a query; see the labels ranked by the model, in the browser.
 * URL parameters: ?device=auto|wasm|webgpu (onnxruntime-web is configured once per page, so switching reloads),
 * ?model=<url of a siamese-sdk .onnx>.
 */
import { loadModel, SiameseError, type DeviceRequest, type SiameseModel, type SupportSet, type WebImageInput } from '@siamese-sdk/web';
import { loadManifest, type DemoSet } from './demo-manifest.js';
import { renderRanking } from './results-view.js';
import { SupportEditor, makeDropTarget } from './support-editor.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const state = (s: 'loading' | 'ready' | 'ranking' | 'ranked' | 'error'): void => { document.body.dataset.state = s; };

let model: SiameseModel | undefined;
let support: Promise<SupportSet<WebImageInput> | undefined> = Promise.resolve(undefined);
let query: WebImageInput | undefined;
let generation = 0;

function showError(e: unknown): void {
  const verdict = $('verdict');
  verdict.className = 'unknown';
  verdict.textContent = e instanceof SiameseError ? `${e.code}: ${e.message}` : `Error: ${(e as Error).message ?? String(e)}`;
  state('error');
}

const editor = new SupportEditor($('labels'), () => {
  // Embed the support images once per change; every query then only embeds itself.
  support = model && editor.labels.size > 0 ? model.supportSet(editor.entries()) : Promise.resolve(undefined);
  support.catch(showError);
  void rankQuery();
});

async function rankQuery(): Promise<void> {
  if (!model || query === undefined) return;
  const mine = ++generation;
  state('ranking');
  try {
    const set = await support;
    if (!set) throw new SiameseError('SUPPORT_SET_EMPTY', 'add at least one label with an image');
    const t0 = performance.now();
    const ranking = await set.rank(query, { k: set.size });
    const ms = performance.now() - t0;
    if (mine !== generation) return;
    renderRanking($('results') as HTMLTableElement, $('verdict'), ranking);
    $('timing').textContent = `Ranking took ${ms.toFixed(1)} ms (embedding the query + comparing with ${set.size} labels, ${set.exampleCount} examples) on ${model.device}.`;
    $('timing').dataset.ms = String(ms);
    state('ranked');
  } catch (e) {
    if (mine === generation) showError(e);
  }
}

function setQuery(input: WebImageInput, preview: string): void {
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

function wireInputs(sets: DemoSet[]): void {
  const select = $<HTMLSelectElement>('set-select');
  select.replaceChildren(...sets.map((s) => new Option(s.title, s.id)), new Option('(empty — build your own)', ''));
  select.addEventListener('change', () => {
    const set = sets.find((s) => s.id === select.value);
    if (set) {
      editor.loadSet(set);
      showBuiltinQueries(set);
    } else {
      editor.loadSet({ id: '', title: '', labels: [], queries: [] });
      $('builtin-queries').replaceChildren();
    }
  });
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
  const device = (params.get('device') ?? 'auto') as DeviceRequest;
  const t0 = performance.now();
  model = await loadModel(modelUrl, { device });
  const threads = model.device === 'wasm' ? ` · ${model.threads} thread${model.threads === 1 ? '' : 's'}` : '';
  const runtime = $('runtime');
  runtime.textContent = `Backend: ${model.device}${threads} · ${crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated'} · model "${model.metadata.name}" loaded in ${(performance.now() - t0).toFixed(0)} ms`;
  runtime.dataset.device = model.device;
  runtime.dataset.threads = String(model.threads);
  state('ready');
  const first = manifest.sets[0];
  if (first) {
    editor.loadSet(first);
    showBuiltinQueries(first);
  }
}

main().catch(showError);
