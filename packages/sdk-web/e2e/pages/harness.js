// The test page: the SDK imported through an import map (see harness.html), scenarios callable from Playwright as
// `harness.page.<scenario>(args)` (on this page) or `harness.worker.<scenario>(args)` (in a module Web Worker).
import * as sdk from '/sdk/index.js';
import * as scenarios from './harness-lib.js';

let worker;
let nextId = 0;
const pending = new Map();

function callWorker(name, args) {
  if (!worker) {
    worker = new Worker(new URL('./harness-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => {
      const p = pending.get(data.id);
      pending.delete(data.id);
      if (data.error) p.reject(Object.assign(new Error(data.error.message), data.error));
      else p.resolve(data.result);
    };
    worker.onerror = (e) => {
      for (const p of pending.values()) p.reject(new Error(`worker error: ${e.message}`));
      pending.clear();
    };
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, name, args });
  });
}

const bind = (run) => Object.fromEntries(Object.keys(scenarios).map((name) => [name.replace(/Scenario$/, ''), (args) => run(name, args)]));
window.sdk = sdk;
window.harness = {
  page: bind((name, args) => scenarios[name](sdk, args)),
  worker: bind(callWorker),
};
document.getElementById('status').textContent = 'ready';
