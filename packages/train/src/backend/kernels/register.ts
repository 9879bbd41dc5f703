/**
 * Installs (and can remove again) our wasm kernels. Registration is global to the tfjs engine of this thread, so
 * it is reversible: benchmarks and parity tests switch between "ours" and "missing-only" in one process, and
 * the kernels wasm ships are restored exactly.
 */
import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type { KernelSet } from '../../train/stepper.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { leadingAxisMeanConfig, leadingAxisSumConfig } from './leading-axis-reduce.js';

/** Kernels wasm shipped before we replaced them, by name (undefined entry = wasm had none). */
const originals = new Map<string, KernelConfig | undefined>();

function install(config: KernelConfig): void {
  const name = config.kernelName;
  if (!originals.has(name)) originals.set(name, getKernel(name, 'wasm'));
  if (getKernel(name, 'wasm') != null) unregisterKernel(name, 'wasm');
  registerKernel(config);
}

function restoreAll(): void {
  for (const [name, original] of originals) {
    if (getKernel(name, 'wasm') != null) unregisterKernel(name, 'wasm');
    if (original != null) registerKernel(original);
  }
  originals.clear();
}

function originalKernelFunc(name: string): KernelFunc | null {
  const original = originals.has(name) ? originals.get(name) : getKernel(name, 'wasm');
  return original?.kernelFunc ?? null;
}

let installed: KernelSet | 'none' = 'none';

/** Which of our wasm kernels are installed right now. */
export function installedWasmKernels(): KernelSet | 'none' {
  return installed;
}

/**
 * 'missing-only': just Conv2DBackpropFilter, which wasm lacks (training cannot run without it).
 * 'ours': every kernel of ours. 'none': wasm's own kernels only.
 */
export function registerWasmKernels(set: KernelSet | 'none'): void {
  const inputFallback = originalKernelFunc('Conv2DBackpropInput');
  const sumFallback = originalKernelFunc('Sum');
  const meanFallback = originalKernelFunc('Mean');
  restoreAll();
  installed = set;
  if (set === 'none') return;
  install(conv2dBackpropFilterConfig);
  if (set === 'missing-only') return;
  install(conv2dBackpropInputConfig(inputFallback));
  install(maxPoolGradConfig);
  if (sumFallback != null) install(leadingAxisSumConfig(sumFallback));
  if (meanFallback != null) install(leadingAxisMeanConfig(meanFallback));
}
