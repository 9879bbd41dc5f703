// Module Web Worker running the same scenarios. Workers have no import maps, so the SDK is loaded from
// /sdk-worker/index.js: the test server's copy of dist/index.js with 'onnxruntime-web' resolved to a URL, as a
// bundler (or an ESM CDN) does for a real app.
import * as sdk from '/sdk-worker/index.js';
import * as scenarios from './harness-lib.js';

self.onmessage = async ({ data: { id, name, args } }) => {
  try {
    self.postMessage({ id, result: await scenarios[name](sdk, args) });
  } catch (e) {
    self.postMessage({ id, error: { message: String(e?.message ?? e), code: e?.code } });
  }
};
