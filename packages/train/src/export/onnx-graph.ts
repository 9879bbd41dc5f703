/**
 * An in-memory ONNX graph under construction: nodes in topological order, initializers, one input and one
 * output. Converters append to it; passes (batch-norm folding, weight storage) rewrite it; ./onnx-serialize.ts
 * writes it as a ModelProto.
 */
import { SiameseError } from '@siamese-sdk/core';

export type TensorData =
  | { type: 'float32'; values: Float32Array }
  | { type: 'float16'; values: Uint16Array }
  | { type: 'int8'; values: Int8Array }
  | { type: 'uint8'; values: Uint8Array }
  | { type: 'int32'; values: Int32Array }
  | { type: 'int64'; values: BigInt64Array };

/**
 * What an initializer is, for the weight-storage pass:
 * - 'weight': a conv or dense kernel (stored as fp16 or int8 on request; `channelAxis` = its output-channel axis);
 * - 'parameter': other learned values (biases, batch-norm statistics) — fp16 on request, never int8;
 * - 'constant': shapes, epsilons, pads — always stored exactly.
 */
export type InitializerRole = 'weight' | 'parameter' | 'constant';

export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: TensorData;
  role: InitializerRole;
  /** For 'weight': the axis along which int8 scales are taken (one scale per output channel). */
  channelAxis?: number;
}

export type OnnxAttribute =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string };

export const attr = {
  int: (value: number): OnnxAttribute => ({ kind: 'int', value }),
  ints: (value: number[]): OnnxAttribute => ({ kind: 'ints', value }),
  float: (value: number): OnnxAttribute => ({ kind: 'float', value }),
  floats: (value: number[]): OnnxAttribute => ({ kind: 'floats', value }),
  string: (value: string): OnnxAttribute => ({ kind: 'string', value }),
};

export interface OnnxNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

/** A graph input or output: float32 with dims that are sizes or symbolic names (absent: shape not declared). */
export interface OnnxGraphValue {
  name: string;
  dims?: (number | string)[];
}

export class OnnxGraph {
  readonly opset: number;
  nodes: OnnxNode[] = [];
  readonly initializers = new Map<string, OnnxInitializer>();
  inputs: OnnxGraphValue[] = [];
  outputs: OnnxGraphValue[] = [];
  private readonly used = new Set<string>();
  private readonly constantCache = new Map<string, string>();

  constructor(opset: number) {
    this.opset = opset;
  }

  /** A name no other value, node or initializer has: `base`, or `base_2`, `base_3`, ... */
  uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = clean;
    for (let i = 2; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves an exact name (graph input/output names); throws if taken. */
  reserveName(name: string): string {
    if (this.used.has(name)) throw new SiameseError('INVALID_ARGUMENT', `ONNX value name "${name}" is already used`);
    this.used.add(name);
    return name;
  }

  addInitializer(base: string, dims: number[], data: TensorData, role: InitializerRole, channelAxis?: number): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.values.length) {
      throw new SiameseError('INVALID_ARGUMENT', `initializer ${base}: ${data.values.length} values for dims [${dims.join(', ')}]`);
    }
    const name = this.uniqueName(base);
    this.initializers.set(name, { name, dims: [...dims], data, role, ...(channelAxis !== undefined ? { channelAxis } : {}) });
    return name;
  }

  /** A learned float tensor. */
  addFloat(base: string, dims: number[], values: Float32Array, role: Exclude<InitializerRole, 'constant'>, channelAxis?: number): string {
    return this.addInitializer(base, dims, { type: 'float32', values }, role, channelAxis);
  }

  /** An int64 constant (shapes, pads, axes), shared between all nodes that need the same values. */
  constInt64(values: number[]): string {
    const key = `i64:${values.join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    const name = this.addInitializer('const_i64', [values.length], { type: 'int64', values: BigInt64Array.from(values, (v) => BigInt(v)) }, 'constant');
    this.constantCache.set(key, name);
    return name;
  }

  /** A float32 constant of the given dims (default: a scalar), shared between nodes that need the same values. */
  constFloat(values: number[], dims: number[] = []): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    const name = this.addInitializer('const_f32', dims, { type: 'float32', values: Float32Array.from(values) }, 'constant');
    this.constantCache.set(key, name);
    return name;
  }

  /** Appends a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}, nameBase?: string): string {
    const base = nameBase ?? opType.toLowerCase();
    const output = this.uniqueName(base);
    this.nodes.push({ name: this.uniqueName(`${base}_node`), opType, inputs, outputs: [output], attributes });
    return output;
  }

  /** The node producing `value`, if any. */
  producerOf(value: string): OnnxNode | undefined {
    return this.nodes.find((n) => n.outputs.includes(value));
  }

  /** Nodes that read `value`. */
  consumersOf(value: string): OnnxNode[] {
    return this.nodes.filter((n) => n.inputs.includes(value));
  }

  /** Renames a value everywhere (node outputs and inputs, graph outputs). */
  renameValue(from: string, to: string): void {
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((v) => (v === from ? to : v));
      n.outputs = n.outputs.map((v) => (v === from ? to : v));
    }
    for (const o of this.outputs) if (o.name === from) o.name = to;
  }

  /** Drops initializers no node reads (left behind by folding). */
  pruneUnusedInitializers(): void {
    const read = new Set(this.nodes.flatMap((n) => n.inputs));
    for (const o of this.outputs) read.add(o.name);
    for (const name of [...this.initializers.keys()]) if (!read.has(name)) this.initializers.delete(name);
  }
}
