/**
 * onnxruntime-web reads `ort.env.wasm` ONCE, when the first session of the page (or worker) is created; later
 * changes are silently ignored. This module is the single place that writes it, remembers what was applied,
 * and warns when a later `loadModel` asks for something different.
 */
import * as ort from 'onnxruntime-web';

export interface OrtEnvironmentRequest {
  /** Where ORT finds its `.wasm`/`.mjs` files (a folder URL ending in `/`); default: next to onnxruntime-web's own module. */
  wasmPaths?: string | URL;
  /** wasm threads; default: all cores when the page is cross-origin isolated, else 1. */
  threads?: number;
}

export interface OrtEnvironment {
  /** Threads the wasm backend really uses in this page or worker. */
  threads: number;
  wasmPaths?: string;
}

let applied: OrtEnvironment | undefined;

function isCrossOriginIsolated(): boolean {
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

function defaultThreads(): number {
  // ORT's own default is ceil(cores / 2), which leaves half the machine idle; a small conv net scales to all cores.
  const cores = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(cores, 16));
}

function resolveThreads(requested: number | undefined): number {
  if (!isCrossOriginIsolated()) {
    // SharedArrayBuffer (hence wasm threads) exists only in cross-origin isolated contexts (COOP + COEP headers).
    if (requested !== undefined && requested > 1) {
      console.warn(`[siamese-sdk] threads: ${requested} needs a cross-origin isolated page (COOP/COEP headers); using 1 thread`);
    }
    return 1;
  }
  return requested ?? defaultThreads();
}

/** Applies the environment on first use; afterwards returns what is in force (warning if the request differs). */
export function configureOrtEnvironment(request: OrtEnvironmentRequest): OrtEnvironment {
  const wasmPaths = request.wasmPaths === undefined ? undefined : String(request.wasmPaths);
  if (applied) {
    const differs = (request.threads !== undefined && resolveThreads(request.threads) !== applied.threads)
      || (wasmPaths !== undefined && wasmPaths !== applied.wasmPaths);
    if (differs) {
      console.warn('[siamese-sdk] onnxruntime-web is already initialised in this page/worker; threads and wasmPaths of the first loadModel stay in force');
    }
    return applied;
  }
  const threads = resolveThreads(request.threads);
  ort.env.wasm.numThreads = threads;
  if (wasmPaths !== undefined) ort.env.wasm.wasmPaths = wasmPaths;
  // Our errors carry the message; ORT's own console logging would only duplicate it.
  ort.env.logLevel = 'error';
  applied = { threads, ...(wasmPaths !== undefined ? { wasmPaths } : {}) };
  return applied;
}
