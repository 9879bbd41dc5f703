/**
 * Shared pieces of the end-to-end tests: which model and images they use, the Node SDK's answers for the same
 * images (the reference the browser must equal), and opening pages in Chromium with error collection.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadModel as loadNodeModel, type SiameseModel as NodeModel } from 'siamese-sdk';
import { expect } from 'vitest';
import { collectPageErrors } from '../e2e/chromium.mjs';
import { PKG_DIR, REPO_DIR } from '../e2e/site.mjs';

/** The trained default model when the repo has it, else the untrained fixture (same mechanics, random weights). */
export const MODEL = (() => {
  const trained = path.join(REPO_DIR, 'models/omniglot-conv4.onnx');
  if (existsSync(trained)) return { path: trained, url: '/models/omniglot-conv4.onnx', trained: true };
  return { path: path.join(REPO_DIR, 'fixtures/models/conv4-untrained.onnx'), url: '/fixtures/models/conv4-untrained.onnx', trained: false };
})();

/** The README's example: 5 Tengwar characters × 2 drawers, and one query per character by a third drawer. */
export const EXAMPLE_SUPPORT: Record<string, string[]> = {
  'tengwar-01': ['examples/support/tengwar-01/1531_01.png', 'examples/support/tengwar-01/1531_02.png'],
  'tengwar-02': ['examples/support/tengwar-02/1532_01.png', 'examples/support/tengwar-02/1532_02.png'],
  'tengwar-03': ['examples/support/tengwar-03/1533_01.png', 'examples/support/tengwar-03/1533_02.png'],
  'tengwar-04': ['examples/support/tengwar-04/1534_01.png', 'examples/support/tengwar-04/1534_02.png'],
  'tengwar-05': ['examples/support/tengwar-05/1535_01.png', 'examples/support/tengwar-05/1535_02.png'],
};
export const EXAMPLE_QUERIES = ['tengwar-01', 'tengwar-02', 'tengwar-03', 'tengwar-04', 'tengwar-05'].map((l) => `examples/queries/${l}.png`);

export const asUrl = (repoPath: string): string => `/${repoPath}`;
export const asPath = (repoPath: string): string => path.join(REPO_DIR, repoPath);
export const mapSupport = (support: Record<string, string[]>, f: (p: string) => string): Record<string, string[]> =>
  Object.fromEntries(Object.entries(support).map(([label, images]) => [label, images.map(f)]));

export interface Match { label: string; score: number; distance: number; probability: number }
export interface QueryResult { query: string; ranking: Match[]; accepted: boolean; threshold: number }

let nodeModel: Promise<NodeModel> | undefined;
/** The Node SDK (siamese-sdk, onnxruntime-node + jimp) with the same model file. */
export function nodeReference(): Promise<NodeModel> {
  nodeModel ??= loadNodeModel(MODEL.path, { threads: 1 });
  return nodeModel;
}

/** The Node SDK's rankings of `queries` (repo paths) against `support` (repo paths), all labels returned. */
export async function nodeRankings(support: Record<string, string[]>, queries: string[], strategy: 'prototype' | 'nearest' = 'prototype'): Promise<QueryResult[]> {
  const model = await nodeReference();
  const set = await model.supportSet(mapSupport(support, asPath));
  const results: QueryResult[] = [];
  for (const query of queries) {
    const ranking = await model.rank(asPath(query), set, { k: 1000, strategy });
    results.push({ query, ranking: ranking.map(({ label, score, distance, probability }) => ({ label, score, distance, probability })), accepted: ranking.accepted, threshold: ranking.threshold });
  }
  return results;
}

/** Largest |browser − node| over scores, distances and probabilities; asserts labels in the same order. */
export function expectSameRankings(browser: QueryResult[], node: QueryResult[], tolerance = 1e-4): number {
  expect(browser.map((r) => r.ranking.map((m) => m.label))).toEqual(node.map((r) => r.ranking.map((m) => m.label)));
  expect(browser.map((r) => r.accepted)).toEqual(node.map((r) => r.accepted));
  let worst = 0;
  browser.forEach((r, i) => r.ranking.forEach((m, j) => {
    const n = node[i].ranking[j];
    worst = Math.max(worst, Math.abs(m.score - n.score), Math.abs(m.distance - n.distance), Math.abs(m.probability - n.probability));
  }));
  expect(worst).toBeLessThanOrEqual(tolerance);
  return worst;
}

export function assertBuilt(): void {
  for (const f of ['dist/index.js', 'dist-demo/index.html']) {
    if (!existsSync(path.join(PKG_DIR, f))) throw new Error(`packages/sdk-web/${f} is missing: run \`pnpm -C packages/sdk-web build\` first`);
  }
  if (!existsSync(MODEL.path)) throw new Error(`model ${MODEL.path} is missing`);
}

/** Opens `url` in a fresh context (onnxruntime-web's env is per page) and collects its errors. */
export async function openPage(browser: Browser, url: string, options: { expectedFailedUrls?: RegExp; viewport?: { width: number; height: number } } = {}): Promise<{ page: Page; errors: string[]; warnings: string[] }> {
  const context = await browser.newContext(options.viewport ? { viewport: options.viewport } : {});
  const page = await context.newPage();
  const errors = collectPageErrors(page, options.expectedFailedUrls ? { expectedFailedUrls: options.expectedFailedUrls } : {});
  const warnings: string[] = [];
  page.on('console', (msg) => { if (msg.type() === 'warning') warnings.push(msg.text()); });
  await page.goto(url);
  return { page, errors, warnings };
}

export const ARTIFACTS_DIR = path.join(PKG_DIR, 'test-artifacts');
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}
