/**
 * Picks and initialises the tfjs backend: tfjs-node (native TensorFlow) when it loads, else wasm with our
 * backward kernels, else the pure-JS cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './gradients/register-gradients.js';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { dirname } from 'node:path';
import { SiameseError } from '@siamese-sdk/core';
import type { BackendPreference, KernelSet } from '../train/stepper.js';
import { packageRequire } from './module-location.js';
import { registerCpuKernels, registerWasmKernels } from './kernels/register.js';

export interface InitBackendOptions {
  backend?: BackendPreference;
  /**
   * Which of our kernels to register. Default 'ours'. On wasm 'ours-direct' leaves out the Winograd convolutions
   * and 'missing-only' adds just Conv2DBackpropFilter; on cpu 'ours' and 'ours-direct' replace tfjs' (extremely
   * slow) Conv2DBackpropFilter and 'missing-only' keeps tfjs' own.
   */
  kernels?: KernelSet;
}

/** tfjs backend names as `tf.getBackend()` reports them. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let tfjsNodeLoad: { ok: boolean; error?: unknown } | null = null;

/** Loads @tensorflow/tfjs-node once (it registers the 'tensorflow' backend); an optional dependency. */
function loadTfjsNode(): boolean {
  if (tfjsNodeLoad == null) {
    try {
      packageRequire()('@tensorflow/tfjs-node');
      tfjsNodeLoad = { ok: tf.findBackendFactory('tensorflow') != null };
    } catch (error) {
      tfjsNodeLoad = { ok: false, error };
    }
  }
  return tfjsNodeLoad.ok;
}

let wasmConfigured = false;

function configureWasm(): void {
  if (wasmConfigured) return;
  // The .wasm binaries sit next to the package's node entry (dist/tf-backend-wasm.node.js).
  const entry = packageRequire().resolve('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(dirname(entry) + '/');
  // Threads need SharedArrayBuffer workers that tfjs wasm cannot start in Node: one SIMD thread per worker.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasmConfigured = true;
}

async function trySetBackend(name: BackendName): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

async function initWasm(kernels: KernelSet): Promise<boolean> {
  configureWasm();
  if (!(await trySetBackend('wasm'))) return false;
  await tf.ready();
  registerWasmKernels(kernels);
  return true;
}

const KERNEL_SETS: readonly KernelSet[] = ['ours', 'ours-direct', 'missing-only'];

/** Initialises the preferred backend and returns the name of the one that runs. */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendName> {
  const preference = options.backend ?? 'auto';
  const kernels = options.kernels ?? 'ours';
  if (!['auto', 'tfjs-node', 'wasm', 'cpu'].includes(preference)) {
    throw new SiameseError('INVALID_ARGUMENT', `Unknown backend "${String(preference)}" (auto, tfjs-node, wasm, cpu)`, {
      backend: preference,
    });
  }
  if (!KERNEL_SETS.includes(kernels)) {
    throw new SiameseError('INVALID_ARGUMENT', `Unknown kernel set "${String(kernels)}" (${KERNEL_SETS.join(', ')})`, { kernels });
  }
  if (preference === 'tfjs-node' || preference === 'auto') {
    if (loadTfjsNode() && (await trySetBackend('tensorflow'))) return 'tensorflow';
    if (preference === 'tfjs-node') {
      throw new SiameseError('BACKEND', '@tensorflow/tfjs-node is not available on this machine', {
        cause: String((tfjsNodeLoad?.error as Error | undefined)?.message ?? 'no tensorflow backend'),
      });
    }
  }
  if (preference === 'wasm' || preference === 'auto') {
    if (await initWasm(kernels)) return 'wasm';
    if (preference === 'wasm') throw new SiameseError('BACKEND', 'The wasm backend failed to initialise');
  }
  if (!(await trySetBackend('cpu'))) throw new SiameseError('BACKEND', 'The cpu backend failed to initialise');
  // Registered only when cpu is what runs (never as a side effect of choosing wasm), so the cpu backend stays
  // tfjs' stock reference in the wasm parity tests.
  registerCpuKernels(kernels !== 'missing-only');
  return 'cpu';
}
