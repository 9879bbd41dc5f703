// Launches Debian's (or $CHROMIUM_PATH's) Chromium through playwright-core — never a downloaded browser — and
// collects the errors a page raises, minus the known noise that is not ours.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  return candidates.find((p) => existsSync(p));
}

const BASE_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/**
 * @param {{ webgpu?: boolean }} options webgpu: expose WebGPU (a SwiftShader software adapter on machines without a GPU).
 */
export async function launchChromium({ webgpu = false } = {}) {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium found: install Debian\'s chromium (scripts/ensure-browser.mjs) or set CHROMIUM_PATH');
  const args = webgpu ? [...BASE_ARGS.filter((a) => a !== '--disable-gpu'), '--enable-unsafe-webgpu'] : BASE_ARGS;
  return chromium.launch({ executablePath, headless: true, args });
}

/** Console errors that are not the page's fault. */
const NOISE = [
  // onnxruntime-web's WebGPU builds log their warnings through console.error.
  /\[W:onnxruntime/,
  /onnxruntime.*webgpu/i,
  /powerPreference option is currently ignored/,
];

/**
 * Records page errors, worker errors and console errors on `page`.
 * @param {import('playwright-core').Page} page
 * @param {{ expectedFailedUrls?: RegExp }} options responses the test provokes on purpose (e.g. a 404 model URL).
 * @returns {string[]} grows as errors happen; assert it is empty at the end of a test.
 */
export function collectPageErrors(page, { expectedFailedUrls } = {}) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (NOISE.some((re) => re.test(text))) return;
    const where = msg.location()?.url ?? '';
    if (expectedFailedUrls && /Failed to load resource/.test(text) && expectedFailedUrls.test(where)) return;
    errors.push(`console.error: ${text}${where ? ` (${where})` : ''}`);
  });
  page.on('worker', (worker) => {
    worker.on('console', (msg) => {
      if (msg.type() === 'error' && !NOISE.some((re) => re.test(msg.text()))) errors.push(`worker console.error: ${msg.text()}`);
    });
  });
  return errors;
}
