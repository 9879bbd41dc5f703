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
import { conv2dConfig } from './conv2d.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { batchNormKernelConfigs } from './batch-norm-relu.js';
import { cpuConv2dBackpropFilterConfig } from './cpu-conv2d-backprop-filter.js';
import { leadingAxisMeanConfig, leadingAxisSumConfig } from './leading-axis-reduce.js';
import { sharedIdentityConfig } from './shared-identity.js';
import { transposedMatMulConfig } from './transposed-mat-mul.js';

/** Kernels a backend shipped before we replaced them, by backend and name (undefined = it had none). */
const originals = new Map<string, Map<string, KernelConfig | undefined>>([
  ['wasm', new Map()],
  ['cpu', new Map()],
]);

function install(config: KernelConfig): void {
  const { kernelName: name, backendName: backend } = config;
  const saved = originals.get(backend)!;
  if (!saved.has(name)) saved.set(name, getKernel(name, backend));
  if (getKernel(name, backend) != null) unregisterKernel(name, backend);
  registerKernel(config);
}

function restoreAll(backend: 'wasm' | 'cpu'): void {
  const saved = originals.get(backend)!;
  for (const [name, original] of saved) {
    if (getKernel(name, backend) != null) unregisterKernel(name, backend);
    if (original != null) registerKernel(original);
  }
  saved.clear();
}

function originalKernelFunc(name: string): KernelFunc | null {
  const saved = originals.get('wasm')!;
  const original = saved.has(name) ? saved.get(name) : getKernel(name, 'wasm');
  return original?.kernelFunc ?? null;
}

let cpuInstalled = false;

/**
 * Our cpu kernels (the fallback backend's Conv2DBackpropFilter, see cpu-conv2d-backprop-filter.ts): on or off,
 * restoring tfjs' own when off.
 */
export function registerCpuKernels(on: boolean): void {
  restoreAll('cpu');
  cpuInstalled = on;
  if (on) install(cpuConv2dBackpropFilterConfig);
}

export function installedCpuKernels(): boolean {
  return cpuInstalled;
}

let installed: KernelSet | 'none' = 'none';

/** Which of our wasm kernels are installed right now. */
export function installedWasmKernels(): KernelSet | 'none' {
  return installed;
}

/**
 * 'missing-only': just Conv2DBackpropFilter, which wasm lacks (training cannot run without it).
 * 'ours': every kernel of ours. 'ours-direct': every kernel of ours except the Winograd route of 3×3 convolutions
 * (Conv2D and the filter gradient), to measure what it gains. 'none': wasm's own kernels only.
 */
export function registerWasmKernels(set: KernelSet | 'none'): void {
  const convFallback = originalKernelFunc('Conv2D');
  const inputFallback = originalKernelFunc('Conv2DBackpropInput');
  const sumFallback = originalKernelFunc('Sum');
  const meanFallback = originalKernelFunc('Mean');
  const matMulFallback = originalKernelFunc('BatchMatMul');
  restoreAll('wasm');
  installed = set;
  if (set === 'none') return;
  install(conv2dBackpropFilterConfig(set === 'ours'));
  if (set === 'missing-only') return;
  if (set === 'ours' && convFallback != null) install(conv2dConfig(convFallback));
  install(conv2dBackpropInputConfig(inputFallback));
  install(maxPoolGradConfig);
  install(sharedIdentityConfig);
  for (const config of batchNormKernelConfigs) install(config);
  if (sumFallback != null) install(leadingAxisSumConfig(sumFallback));
  if (meanFallback != null) install(leadingAxisMeanConfig(meanFallback));
  if (matMulFallback != null) install(transposedMatMulConfig(matMulFallback));
}
