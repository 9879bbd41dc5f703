/**
 * Leaks: many embed/rank calls on one model, then many load → use → dispose cycles, in a child process with
 * `--expose-gc` (RSS read after a forced GC), against the built SDK. Resident memory must stay flat within a
 * stated bound once warmed up. Default: SOAK_CALLS = 5,000 and SOAK_CYCLES = 30; `pnpm test:soak` runs
 * 100,000 and 200.
 *
 * Bounds (MB of RSS): calls — end minus warm ≤ 48 and the second half ≤ 32 (steady state: no growth per call);
 * cycles — end minus warm ≤ 96 over up to 200 cycles (onnxruntime sessions and the allocator keep some pages).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChild } from './hostile/child.js';
import { exampleQuery, exampleSupport, mechanicsModel } from './helpers.js';

const CALLS = Number(process.env.SOAK_CALLS ?? 5_000);
const CYCLES = Number(process.env.SOAK_CYCLES ?? 30);
const MB = 2 ** 20;

describe('leaks (child process, RSS after GC)', () => {
  it(`${CALLS} embed/rank calls and ${CYCLES} load/dispose cycles keep resident memory flat`, async () => {
    const model = mechanicsModel();
    if (typeof model !== 'string') throw new Error('the leak test needs fixtures/models/conv4-untrained.onnx');
    const result = await runChild(join(__dirname, 'reliability', 'soak.mjs'), [model, exampleSupport, exampleQuery(3), String(CALLS), String(CYCLES)], {
      silenceMs: 120_000,
      nodeArgs: ['--expose-gc'],
    });
    expect(result.hungAfter).toBeUndefined();
    expect({ code: result.code, signal: result.signal }, result.stderr.slice(-2000)).toEqual({ code: 0, signal: null });
    const calls = result.records.filter((r) => r.type === 'calls').map((r) => r.rss as number);
    const cycles = result.records.filter((r) => r.type === 'cycles').map((r) => r.rss as number);
    const mb = (xs: number[]) => xs.map((x) => (x / MB).toFixed(0)).join(' ');
    console.log(`soak: RSS over ${CALLS} calls ${mb(calls)} MB; over ${CYCLES} load/dispose cycles ${mb(cycles)} MB`);
    expect(calls.length).toBe(11);
    expect(cycles.length).toBe(11);
    expect((calls[10] - calls[0]) / MB).toBeLessThan(48);
    expect((calls[10] - calls[5]) / MB).toBeLessThan(32);
    expect((cycles[10] - cycles[0]) / MB).toBeLessThan(96);
  }, 1_800_000);
});
