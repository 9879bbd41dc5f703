/**
 * Training checkpoints: a JSON manifest (configuration, network, loss, preprocessing, data split, step, RNG
 * states, metrics, tensor table, sha256 of the binary) and one binary file of float32 tensors (weights, then
 * optimiser state).
 *
 * Atomic and self-checking: the binary is written under a temp name and renamed to a name that contains its
 * hash; then the manifest is written the same way, and only then are older binaries of the same tag removed.
 * A run killed at any instant leaves either the old or the new checkpoint complete. Reading verifies the sha256
 * and every tensor's extent, so a damaged checkpoint fails with CHECKPOINT_INVALID instead of loading garbage.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SiameseError, type PreprocessTarget } from '@siamese-sdk/core';
import type { LossConfig } from '../losses/loss.js';
import type { NetConfig } from '../model/net-config.js';
import type { RngState } from '../sampling/rng.js';
import type { NamedTensors } from '../train/stepper.js';

export const CHECKPOINT_FORMAT = 'siamese-train/checkpoint';
export const CHECKPOINT_VERSION = 1;

export type CheckpointTag = 'last' | 'best';

export interface TensorEntry {
  name: string;
  group: 'weights' | 'optimizer';
  shape: number[];
  /** Byte offset in the binary. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

/** Everything except the tensors: what a resumed run or an exporter needs to know. */
export interface CheckpointInfo {
  step: number;
  net: NetConfig;
  loss: LossConfig;
  preprocess: PreprocessTarget;
  /** The full training configuration (JSON), to resume with identical settings. */
  config: Record<string, unknown>;
  /** Dataset identity and the train/validation split. */
  data: Record<string, unknown>;
  /** RNG states by purpose (sampler, augmentation), so a resumed run draws the same batches. */
  rng: Record<string, RngState>;
  /** Best validation accuracy so far, last metrics, ... */
  metrics: Record<string, unknown>;
}

export interface CheckpointManifest extends CheckpointInfo {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  createdAt: string;
  binary: string;
  bytes: number;
  sha256: string;
  tensors: TensorEntry[];
}

export interface Checkpoint {
  manifest: CheckpointManifest;
  weights: NamedTensors;
  optimizer: NamedTensors;
}

function invalid(message: string, path: string, cause?: unknown): never {
  throw new SiameseError('CHECKPOINT_INVALID', message, { path }, cause ? { cause } : undefined);
}

function writeAtomic(path: string, data: Buffer | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function manifestPath(dir: string, tag: CheckpointTag): string {
  return join(dir, `${tag}.json`);
}

export function hasCheckpoint(dir: string, tag: CheckpointTag): boolean {
  return existsSync(manifestPath(dir, tag));
}

export function writeCheckpoint(dir: string, tag: CheckpointTag, info: CheckpointInfo, state: { weights: NamedTensors; optimizer: NamedTensors }): CheckpointManifest {
  mkdirSync(dir, { recursive: true });
  const tensors: TensorEntry[] = [];
  let offset = 0;
  const parts: Float32Array[] = [];
  for (const group of ['weights', 'optimizer'] as const) {
    for (const [name, t] of Object.entries(state[group])) {
      const expected = t.shape.reduce((a, b) => a * b, 1);
      if (t.values.length !== expected) throw new SiameseError('INVALID_ARGUMENT', `tensor ${name} has ${t.values.length} values, shape [${t.shape.join(', ')}] needs ${expected}`);
      tensors.push({ name, group, shape: [...t.shape], offset, length: t.values.length });
      parts.push(t.values);
      offset += 4 * t.values.length;
    }
  }
  const binary = Buffer.alloc(offset);
  let o = 0;
  for (const p of parts) {
    Buffer.from(p.buffer, p.byteOffset, p.byteLength).copy(binary, o);
    o += p.byteLength;
  }
  const sha256 = createHash('sha256').update(binary).digest('hex');
  const binaryName = `${tag}-${sha256.slice(0, 16)}.bin`;
  writeAtomic(join(dir, binaryName), binary);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: new Date().toISOString(),
    ...info,
    binary: binaryName,
    bytes: binary.length,
    sha256,
    tensors,
  };
  writeAtomic(manifestPath(dir, tag), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of readdirSync(dir)) {
    if (f.startsWith(`${tag}-`) && f.endsWith('.bin') && f !== binaryName) rmSync(join(dir, f), { force: true });
  }
  return manifest;
}

/** Reads and validates a manifest only (cheap; no tensors). */
export function readCheckpointManifest(dir: string, tag: CheckpointTag): CheckpointManifest {
  const path = manifestPath(dir, tag);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    invalid(`no ${tag} checkpoint in ${dir} (${(e as Error).message})`, path, e);
  }
  let m: CheckpointManifest;
  try {
    m = JSON.parse(text) as CheckpointManifest;
  } catch (e) {
    invalid(`checkpoint manifest ${path} is not valid JSON (${(e as Error).message})`, path, e);
  }
  if (m?.format !== CHECKPOINT_FORMAT) invalid(`${path} is not a siamese-train checkpoint manifest`, path);
  if (m.version !== CHECKPOINT_VERSION) invalid(`${path} has checkpoint version ${String(m.version)}; this version reads ${CHECKPOINT_VERSION}`, path);
  if (typeof m.binary !== 'string' || !/^[\w.-]+$/.test(m.binary) || typeof m.sha256 !== 'string' || !Array.isArray(m.tensors) || !Number.isInteger(m.step)) {
    invalid(`${path} is missing fields`, path);
  }
  // The records a resume, an eval or an export read: a damaged manifest must fail here, not as a TypeError later.
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const missing = (['net', 'loss', 'preprocess', 'config', 'data', 'rng', 'metrics'] as const).filter((key) => !isObject(m[key]));
  if (missing.length) invalid(`${path} is missing fields: ${missing.join(', ')}`, path);
  return m;
}

export function readCheckpoint(dir: string, tag: CheckpointTag): Checkpoint {
  const manifest = readCheckpointManifest(dir, tag);
  const binPath = join(dir, manifest.binary);
  let binary: Buffer;
  try {
    binary = readFileSync(binPath);
  } catch (e) {
    invalid(`checkpoint weights ${binPath} cannot be read (${(e as Error).message})`, binPath, e);
  }
  const sha256 = createHash('sha256').update(binary).digest('hex');
  if (binary.length !== manifest.bytes || sha256 !== manifest.sha256) {
    invalid(`checkpoint weights ${binPath} are corrupt: sha256 ${sha256.slice(0, 12)}…, ${binary.length} bytes; the manifest expects ${manifest.sha256.slice(0, 12)}…, ${manifest.bytes} bytes`, binPath);
  }
  const weights: NamedTensors = {};
  const optimizer: NamedTensors = {};
  for (const t of manifest.tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.length || t.offset % 4 !== 0 || t.offset + 4 * t.length > binary.length) invalid(`tensor ${t.name} in ${binPath} has an inconsistent extent`, binPath);
    const values = new Float32Array(binary.buffer.slice(binary.byteOffset + t.offset, binary.byteOffset + t.offset + 4 * t.length));
    (t.group === 'optimizer' ? optimizer : weights)[t.name] = { shape: t.shape, values };
  }
  return { manifest, weights, optimizer };
}
