/**
 * The default model's variants the SDKs ship beside themselves, by `dtype` — one table for the Node and web SDKs —
 * and the checks both apply to a `dtype` option.
 */
import { SiameseError } from './errors.js';
import type { ModelMetadata } from './metadata.js';

/**
 * 'fp32' (the default) and 'int8-qdq': the same network fully quantised (integer convolutions; same accuracy on
 * every task of the model card). Whether it is faster depends on the CPU: in onnxruntime-node it pays off with VNNI
 * and is slower without; in WebAssembly it is faster, by a margin that depends on the CPU (BENCHMARKS.md).
 */
export const BUNDLED_MODEL_FILES = { fp32: 'omniglot-conv4.onnx', 'int8-qdq': 'omniglot-conv4.int8-qdq.onnx' } as const;
export type BundledDType = keyof typeof BUNDLED_MODEL_FILES;

/** Returns a valid `dtype` option (or undefined when none was given); throws INVALID_ARGUMENT naming the choices. */
export function checkBundledDType(dtype: unknown): BundledDType | undefined {
  if (dtype === undefined) return undefined;
  if (typeof dtype !== 'string' || !Object.hasOwn(BUNDLED_MODEL_FILES, dtype)) {
    throw new SiameseError('INVALID_ARGUMENT', `dtype must be ${Object.keys(BUNDLED_MODEL_FILES).join(' or ')}, got ${String(dtype)}`);
  }
  return dtype as BundledDType;
}

/** With a model source, `dtype` is a check of the file: throws MODEL_INVALID when its metadata says otherwise. */
export function assertModelDType(metadata: ModelMetadata, dtype: BundledDType | undefined, origin: string): void {
  const actual = metadata.dtype ?? 'fp32';
  if (dtype !== undefined && actual !== dtype) {
    throw new SiameseError('MODEL_INVALID', `model ${origin} is ${actual}, not the requested dtype ${dtype}`, { path: origin, expected: dtype, actual });
  }
}
