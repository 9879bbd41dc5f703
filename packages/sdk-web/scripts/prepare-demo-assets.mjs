// Copies what the demo needs at first load into .demo-assets/ (Vite's publicDir): a few real Omniglot support sets
// with queries (from examples/ and fixtures/omniglot-eval-mini) and the model — the trained default when the
// repo has it, else the untrained fixture (the demo then says its answers are meaningless).
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(pkg, '../..');
const out = path.join(pkg, '.demo-assets');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const pngs = (dir) => readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
const dirs = (dir) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

/** Copies `src` to sets/<set>/<name> and returns its URL relative to the page. */
function copy(set, src, name) {
  const dest = path.join(out, 'sets', set, name);
  mkdirSync(path.dirname(dest), { recursive: true });
  copyFileSync(src, dest);
  return `sets/${set}/${name}`;
}

const sets = [];

// 1. The README's example: five Tengwar characters, two drawers each; queries by a third drawer.
const examples = path.join(repo, 'examples');
if (existsSync(examples)) {
  const labels = dirs(path.join(examples, 'support')).map((label) => ({
    label,
    images: pngs(path.join(examples, 'support', label)).map((f) => copy('tengwar-5way', path.join(examples, 'support', label, f), `${label}/${f}`)),
  }));
  const queries = pngs(path.join(examples, 'queries')).map((f) => ({
    url: copy('tengwar-5way', path.join(examples, 'queries', f), `queries/${f}`),
    expected: f.replace(/\.png$/, ''),
  }));
  sets.push({ id: 'tengwar-5way', title: 'Tengwar, 5-way 2-shot (examples/)', labels, queries });
}

/** An n-way k-shot set from the mini evaluation fixture: drawers 1..k as support, drawer k+1 and k+2 as queries. */
function fixtureSet(alphabet, n, shots) {
  const root = path.join(repo, 'fixtures/omniglot-eval-mini', alphabet);
  if (!existsSync(root)) return;
  const id = `${alphabet.toLowerCase()}-${n}way-${shots}shot`;
  const labels = [];
  const queries = [];
  for (const character of dirs(root).slice(0, n)) {
    const label = `${alphabet.toLowerCase()}-${character.replace('character', '')}`;
    const files = pngs(path.join(root, character));
    labels.push({ label, images: files.slice(0, shots).map((f) => copy(id, path.join(root, character, f), `${label}/${f}`)) });
    for (const f of files.slice(shots, shots + 1)) queries.push({ url: copy(id, path.join(root, character, f), `queries/${f}`), expected: label });
  }
  sets.push({ id, title: `${alphabet}, ${n}-way ${shots}-shot (Omniglot evaluation set)`, labels, queries });
}
fixtureSet('Manipuri', 10, 2);
fixtureSet('Tengwar', 20, 1);

const trained = process.env.SIAMESE_WEB_DEFAULT_MODEL ?? path.join(repo, 'models/omniglot-conv4.onnx'); // see after-build.mjs
const untrained = path.join(repo, 'fixtures/models/conv4-untrained.onnx');
let model;
if (existsSync(trained)) {
  // The demo loads it as the package's default model (dist/models/, emitted by Vite): nothing to copy.
  model = { trained: true };
} else if (existsSync(untrained)) {
  mkdirSync(path.join(out, 'models'), { recursive: true });
  model = { url: `models/${path.basename(untrained)}`, trained: false };
  copyFileSync(untrained, path.join(out, model.url));
}
writeFileSync(path.join(out, 'demo-manifest.json'), JSON.stringify({ model, sets }, null, 2));
console.log(`[sdk-web] demo assets: ${sets.length} support sets, model: ${model ? (model.trained ? 'the default (trained) model' : model.url) : 'none (pick one in the page)'}`);
