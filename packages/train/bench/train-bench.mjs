#!/usr/bin/env node
// Training throughput of the built package (run `pnpm -C packages/train build` first):
// Conv-4 28×28, P×K batches of 128 (32 classes × 4), triplet loss with batch-hard mining, Adam — for
//   wasm + our kernels (1 worker), the same with direct convolutions instead of Winograd, wasm + our kernels
//   (2 workers), 1 and 2 workers again with batch norm over two groups (--bn-groups 2), wasm + only the missing
//   filter-gradient kernel, and the pure-JS cpu backend.
// Each configuration runs in its own child process (kernel registration and wasm memory are per process), warms
// up, then times whole steps (the median step is the figure; the mean is reported beside it). Usage: node bench/train-bench.mjs [--json out.json] [--quick]
// Heavy: run it under `flock /tmp/siamese-heavy.lock` on shared machines.
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const BATCH_CLASSES = 32;
const PER_CLASS = 4;
const BATCH = BATCH_CLASSES * PER_CLASS;
const SIZE = 28;
const NET = { inputSize: SIZE, channels: 1, width: 64, depth: 4, embeddingSize: 0, l2Normalize: true };
const LOSS = { kind: 'triplet', margin: 0.2, mining: 'hard' };

const args = process.argv.slice(2);
const quick = args.includes('--quick');
// The two configurations the goals compare run ROUNDS times, alternating, each in a fresh process; the best round
// of each is reported (every round is listed): on a shared machine the least-disturbed run is the best estimate of
// what the code does, and alternating keeps a slow spell from landing on one configuration only.
const ROUNDS = quick ? 1 : 3;
const CONFIGS = [
  { id: 'wasm-ours-1', label: 'wasm + our kernels, 1 worker', backend: 'wasm', kernels: 'ours', workers: 1, warmup: 3, steps: quick ? 3 : 11, rounds: ROUNDS },
  // The same 1-worker step with our kernels but XNNPACK's direct convolution for the 3×3 layers: what the
  // Winograd F(2×2, 3×3) route gains, alternating with the figure above in every round.
  { id: 'wasm-ours-direct-1', label: 'wasm + our kernels, direct 3×3 convs (no Winograd), 1 worker', backend: 'wasm', kernels: 'ours-direct', workers: 1, warmup: 3, steps: quick ? 3 : 11, rounds: ROUNDS },
  { id: 'wasm-ours-2', label: 'wasm + our kernels, 2 workers', backend: 'wasm', kernels: 'ours', workers: 2, warmup: 3, steps: quick ? 3 : 11, rounds: ROUNDS },
  // The host's own ceiling for any 2-worker scheme: two independent 1-worker processes, half a batch each, at once.
  // Nothing is shared between them, so what they reach together over one worker is what this machine gives two
  // concurrent threads right now (on a shared VM it is often well under 2×).
  { id: 'side-by-side', label: 'two 1-worker processes, half batch each, at once', backend: 'wasm', kernels: 'ours', workers: 1, half: true, sideBySide: true, warmup: 3, steps: quick ? 3 : 11, rounds: ROUNDS },
  // 1 and 2 workers measured step by step in turn in one process (whole-batch batch norm, and --bn-groups 2 where
  // each of the two workers normalises its own 64 rows and only the embeddings are exchanged): alternating single
  // steps puts both under the same host state, where the rounds above run each configuration for half a minute and
  // this host's speed drifts by 1.5× within minutes. Both ratios come from this run's medians.
  // The host's ceiling without any training code: the reference convolution (one thread) alone, then in two
  // processes at once. Convolutions are most of a training step, so if two such independent loops together run at
  // less than 1.7× one, a 2-worker training scheme will not reach 1.7× on this host at that moment either.
  { id: 'conv-pair', label: 'forward conv, alone and two at once', convPair: true, rounds: ROUNDS },
  { id: 'interleaved', label: '1 and 2 workers, alternating steps', interleaved: true, warmup: 3, steps: quick ? 3 : 15, rounds: ROUNDS },
  { id: 'wasm-missing-only', label: 'wasm + missing kernel only', backend: 'wasm', kernels: 'missing-only', workers: 1, warmup: 2, steps: quick ? 2 : 4 },
  { id: "cpu", label: "cpu backend (+ our filter gradient)", backend: "cpu", kernels: "ours", workers: 1, warmup: 1, steps: 1 },
];

function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Seeded xorshift. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/** Omniglot-like inputs: per class a few random strokes (ink 1 on 0), per image jittered and noisy. */
function strokeBatch(seed) {
  const random = rng(seed);
  const pixels = SIZE * SIZE;
  const images = new Float32Array(BATCH * pixels);
  const labels = new Int32Array(BATCH);
  for (let c = 0; c < BATCH_CLASSES; c++) {
    const strokes = Array.from({ length: 3 + Math.floor(random() * 3) }, () => [random() * 20 + 4, random() * 20 + 4, random() * 20 + 4, random() * 20 + 4]);
    for (let k = 0; k < PER_CLASS; k++) {
      const i = c * PER_CLASS + k;
      labels[i] = c;
      const dx = Math.round(random() * 2 - 1);
      const dy = Math.round(random() * 2 - 1);
      for (const [x0, y0, x1, y1] of strokes) {
        for (let t = 0; t <= 1; t += 0.02) {
          const x = Math.round(x0 + (x1 - x0) * t) + dx;
          const y = Math.round(y0 + (y1 - y0) * t) + dy;
          if (x >= 0 && x < SIZE && y >= 0 && y < SIZE) images[i * pixels + y * SIZE + x] = 1;
        }
      }
    }
  }
  return { images, labels, n: BATCH };
}

/** FLOPs of one forward 3×3 'same' convolution to 64 channels over the batch (multiply–adds × 2). */
const convFlops = (size, inChannels) => 2 * BATCH * size * size * 9 * inChannels * 64;

/** Convolution FLOPs of one Conv-4 training step (forward, input gradient except layer 1, filter gradient). */
function stepConvFlops() {
  let flops = 0;
  for (let layer = 0, size = SIZE, cin = 1; layer < 4; layer++, size = Math.floor(size / 2), cin = 64) {
    flops += convFlops(size, cin) * (layer === 0 ? 2 : 3);
  }
  return flops;
}

// The host's current speed, for reading the figures: the wasm backend's own forward convolution (XNNPACK, direct;
// our kernels are left out so the reference does not move with them) of Conv-4's heaviest layer (14×14×64 → 64,
// batch 128). Shared machines swing by 1.5×.
const REFERENCE_SHAPE = [BATCH, 14, 14, 64];
const REFERENCE_FLOPS = convFlops(14, 64);

async function referenceChild(config) {
  const tf = await import('@tensorflow/tfjs-core');
  const { initBackend } = await import('../dist/index.js');
  await initBackend({ backend: 'wasm', kernels: 'missing-only' }); // Conv2D stays wasm's own
  const x = tf.randomUniform(REFERENCE_SHAPE);
  const w = tf.randomUniform([3, 3, 64, 64]);
  if (config.waitForGo) {
    // Both processes of a pair start timing together (their start-up times differ by more than a run lasts);
    // if the other one never gets ready, give up rather than wait forever.
    process.send({ ready: true });
    let timer;
    const go = new Promise((resolve) => process.once('message', resolve));
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the other process of the pair never started')), 120_000)));
    await Promise.race([go, timeout]);
    // Released: the pending timeout must not fire later, while this process is still timing or exiting.
    clearTimeout(timer);
  }
  const iterations = config.iterations ?? 10;
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    const y = tf.conv2d(x, w, 1, 'same');
    y.dataSync();
    times.push(performance.now() - t);
    y.dispose();
  }
  const ms = median(times.slice(2));
  process.send({ convMs: ms, gflops: REFERENCE_FLOPS / ms / 1e6 });
}

/** Steppers of INTERLEAVED_SETUPS, one step each in turn: the median step of each, and the 2-worker ratios. */
const INTERLEAVED_SETUPS = [
  { key: 'oneWorker', workers: 1, batchNormGroups: 1 },
  { key: 'twoWorkers', workers: 2, batchNormGroups: 1 },
  { key: 'oneWorkerBnGroups', workers: 1, batchNormGroups: 2 },
  { key: 'twoWorkersBnGroups', workers: 2, batchNormGroups: 2 },
];

async function interleavedChild(config) {
  const { createTrainStepper } = await import('../dist/index.js');
  const steppers = [];
  for (const setup of INTERLEAVED_SETUPS) {
    steppers.push(await createTrainStepper({ net: NET, loss: LOSS, backend: 'wasm', kernels: 'ours', workers: setup.workers, batchNormGroups: setup.batchNormGroups, seed: 1 }));
  }
  // While one stepper steps the others sit idle (the 1-worker stepper runs on this thread, the 2-worker ones in
  // their own threads, blocked waiting for a message), so they do not compete for the cores.
  const batches = [1, 2, 3, 4].map(strokeBatch);
  const times = steppers.map(() => []);
  for (let i = 0; i < config.warmup + config.steps; i++) {
    for (let k = 0; k < steppers.length; k++) {
      const t = performance.now();
      await steppers[k].step(batches[i % 4], 1e-3);
      if (i >= config.warmup) times[k].push(performance.now() - t);
    }
  }
  for (const s of steppers) await s.dispose();
  const out = {};
  INTERLEAVED_SETUPS.forEach((setup, k) => {
    const ms = median(times[k]);
    out[setup.key] = { msPerStep: ms, imagesPerSecond: (BATCH * 1000) / ms, stepTimesMs: times[k] };
  });
  process.send({
    interleaved: out,
    twoOverOne: out.oneWorker.msPerStep / out.twoWorkers.msPerStep,
    twoOverOneBnGroups: out.oneWorkerBnGroups.msPerStep / out.twoWorkersBnGroups.msPerStep,
  });
}

async function child(config) {
  if (config.reference) return referenceChild(config);
  if (config.interleaved) return interleavedChild(config);
  const { createTrainStepper } = await import('../dist/index.js');
  const stepper = await createTrainStepper({ net: NET, loss: LOSS, backend: config.backend, kernels: config.kernels, workers: config.workers, seed: 1 });
  const half = (b) => ({ images: b.images.subarray(0, (BATCH / 2) * SIZE * SIZE), labels: b.labels.subarray(0, BATCH / 2), n: BATCH / 2 });
  const batches = [1, 2, 3, 4].map(strokeBatch).map((b) => (config.half ? half(b) : b));
  for (let i = 0; i < config.warmup; i++) await stepper.step(batches[i % 4], 1e-3);
  let loss = 0;
  const times = [];
  for (let i = 0; i < config.steps; i++) {
    const t = performance.now();
    loss = (await stepper.step(batches[i % 4], 1e-3)).loss;
    times.push(performance.now() - t);
  }
  // The median step, not the mean: on a shared machine another tenant's burst stalls a step now and then, and with
  // two workers any burst on either core stalls both at the next collective — the mean would charge those bursts to
  // the code. Both are reported.
  const ms = median(times);
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
  const backend = stepper.backend;
  await stepper.dispose();
  const n = batches[0].n;
  process.send({ backend, msPerStep: ms, meanMsPerStep: meanMs, imagesPerSecond: (n * 1000) / ms, meanImagesPerSecond: (n * 1000) / meanMs, stepTimesMs: times, lastLoss: loss });
}

function runChild(config, onReady, onStart) {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    onStart?.(proc);
    let stderr = '';
    let result = null;
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('message', (m) => {
      if (m.ready) onReady?.(() => proc.send('go'));
      else result = m;
    });
    proc.on('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`${config.id} failed (exit ${code}):\n${stderr.split('\n').filter((l) => !/Hi, looks like|=====|tfjs-node/.test(l)).join('\n').trim()}`));
    });
  });
}

/**
 * Two children of one configuration, released together once both have started up. If either fails, the other is
 * stopped (it would otherwise wait for its partner, or go on timing beside the next configuration).
 */
async function runPair(config) {
  const ready = [];
  const procs = [];
  const release = (go) => {
    ready.push(go);
    if (ready.length === 2) ready.forEach((g) => g());
  };
  const runs = [0, 1].map(() => runChild(config, release, (proc) => procs.push(proc)));
  runs.forEach((run) => run.catch(() => procs.forEach((proc) => proc.exitCode === null && proc.kill())));
  const settled = await Promise.allSettled(runs);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => r.value);
}

async function main() {
  const jsonIndex = args.indexOf('--json');
  const jsonPath = jsonIndex >= 0 ? args[jsonIndex + 1] : null;
  console.log(`Training throughput: Conv-4 ${SIZE}×${SIZE}, batch ${BATCH} (${BATCH_CLASSES}×${PER_CLASS}), triplet batch-hard, Adam`);
  console.log(`${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}\n`);
  const reference = async (when) => {
    try {
      const r = await runChild({ id: 'reference', reference: true });
      console.log(`  host reference ${when}: wasm forward conv 14×14×64→64, batch ${BATCH}: ${r.convMs.toFixed(0)} ms = ${r.gflops.toFixed(1)} GFLOP/s`);
      return r;
    } catch (error) {
      console.log(`  host reference ${when}: FAILED ${error.message}`);
      return null;
    }
  };
  const referenceBefore = await reference('before');
  const rounds = new Map(CONFIGS.map((c) => [c.id, []]));
  const failures = new Map();
  const schedule = [];
  for (let round = 0; round < ROUNDS; round++) for (const config of CONFIGS) if ((config.rounds ?? 1) > round) schedule.push(config);
  for (const config of schedule) {
    if (failures.has(config.id)) continue;
    process.stdout.write(`  ${config.label.padEnd(32)} … `);
    try {
      let r;
      if (config.interleaved) {
        const m = await runChild(config);
        rounds.get(config.id).push(m);
        const f = (x) => `${x.msPerStep.toFixed(0)} ms = ${x.imagesPerSecond.toFixed(0)} images/s`;
        const i = m.interleaved;
        console.log(`1 worker ${f(i.oneWorker)}, 2 workers ${f(i.twoWorkers)}: ${m.twoOverOne.toFixed(2)}×; --bn-groups 2: 1 worker ${f(i.oneWorkerBnGroups)}, 2 workers ${f(i.twoWorkersBnGroups)}: ${m.twoOverOneBnGroups.toFixed(2)}×`);
        continue;
      }
      if (config.convPair) {
        // Alone before and after the pair, and the faster of the two counts: another tenant's burst only ever slows
        // a 2-s run, and a slowed "alone" would overstate the ceiling (a quick run once measured 3.17×).
        const single = () => runChild({ id: 'conv-pair', reference: true, iterations: 20 });
        const before = await single();
        const pair = await runPair({ id: 'conv-pair', reference: true, iterations: 20, waitForGo: true });
        const after = await single();
        const alone = Math.max(before.gflops, after.gflops);
        const m = { alone, aloneRuns: [before.gflops, after.gflops], pair: pair.map((p) => p.gflops), ceiling: (pair[0].gflops + pair[1].gflops) / alone };
        rounds.get(config.id).push(m);
        console.log(`alone ${m.aloneRuns.map((g) => g.toFixed(1)).join(' / ')} GFLOP/s (before / after); two at once ${m.pair.map((g) => g.toFixed(1)).join(' + ')} GFLOP/s = ${m.ceiling.toFixed(2)}× the faster alone`);
        continue;
      }
      if (config.sideBySide) {
        // Images/s of the two together; a step is as slow as the slower of the two.
        const [a, b] = await Promise.all([runChild(config), runChild(config)]);
        const sum = (k) => a[k] + b[k];
        r = { backend: a.backend, msPerStep: Math.max(a.msPerStep, b.msPerStep), meanMsPerStep: Math.max(a.meanMsPerStep, b.meanMsPerStep), imagesPerSecond: sum('imagesPerSecond'), meanImagesPerSecond: sum('meanImagesPerSecond') };
      } else {
        r = await runChild(config);
      }
      r.round = rounds.get(config.id).length;
      rounds.get(config.id).push(r);
      console.log(`median ${r.msPerStep.toFixed(0)} ms/step = ${r.imagesPerSecond.toFixed(0)} images/s; mean ${r.meanMsPerStep.toFixed(0)} ms = ${r.meanImagesPerSecond.toFixed(0)} images/s (${r.backend})`);
    } catch (error) {
      failures.set(config.id, String(error.message ?? error));
      console.log(`FAILED\n${error.message}`);
    }
  }
  const referenceAfter = await reference('after');
  const interleavedRounds = rounds.get('interleaved') ?? [];
  const convPairRounds = rounds.get('conv-pair') ?? [];
  const rows = CONFIGS.filter((config) => !config.interleaved && !config.convPair).map((config) => {
    const runs = rounds.get(config.id);
    if (failures.has(config.id) || runs.length === 0) return { ...config, error: failures.get(config.id) ?? 'no run' };
    const best = runs.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
    return { ...config, ...best, roundsImagesPerSecond: runs.map((r) => r.imagesPerSecond), roundsMeanImagesPerSecond: runs.map((r) => r.meanImagesPerSecond), roundsMsPerStep: runs.map((r) => r.msPerStep) };
  });
  const get = (id) => rows.find((r) => r.id === id && r.imagesPerSecond);
  const one = get('wasm-ours-1');
  const direct = get('wasm-ours-direct-1');
  const two = get('wasm-ours-2');
  const missing = get('wasm-missing-only');
  const cpu = get('cpu');
  console.log('\n| configuration | backend | workers | median ms/step | images/s (median step) | × vs 1 worker | images/s (mean step) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if (!r.imagesPerSecond) {
      console.log(`| ${r.label} | – | ${r.workers} | failed | – | – | – |`);
      continue;
    }
    const ratio = one ? (r.imagesPerSecond / one.imagesPerSecond).toFixed(2) : '–';
    console.log(`| ${r.label} | ${r.backend} | ${r.workers} | ${r.msPerStep.toFixed(0)} | ${r.imagesPerSecond.toFixed(0)} | ${ratio} | ${r.meanImagesPerSecond.toFixed(0)} |`);
  }
  if (ROUNDS > 1) {
    const list = (id) => rows.find((r) => r.id === id)?.roundsImagesPerSecond?.map((v) => v.toFixed(0)).join(', ') ?? 'n/a';
    console.log(`\nBest of ${ROUNDS} alternating rounds for 1 worker (Winograd and direct), 2 workers and the side-by-side pair (images/s per round, median step: 1 worker ${list('wasm-ours-1')}; direct ${list('wasm-ours-direct-1')}; 2 workers ${list('wasm-ours-2')}; side by side ${list('side-by-side')}); the other configurations ran once.`);
  }
  // Per round (the three configurations ran back to back): 2 workers over 1, the side-by-side ceiling over 1, and
  // how much of that ceiling the data-parallel stepper reaches.
  const roundsOf = (id) => rows.find((r) => r.id === id)?.roundsImagesPerSecond ?? [];
  const perRoundOf = (oneId, twoId) => {
    const one = roundsOf(oneId);
    const two = roundsOf(twoId);
    const pair = roundsOf('side-by-side');
    return one.map((o, i) => (two[i] && pair[i] ? { twoOverOne: two[i] / o, ceiling: pair[i] / o, shareOfCeiling: two[i] / pair[i] } : null)).filter(Boolean);
  };
  const perRound = perRoundOf('wasm-ours-1', 'wasm-ours-2');
  const winogradRounds = roundsOf('wasm-ours-1').map((o, i) => (roundsOf('wasm-ours-direct-1')[i] ? o / roundsOf('wasm-ours-direct-1')[i] : null)).filter((v) => v != null);
  if (perRound.length) {
    console.log(`\nPer round (each configuration ~30 s in turn): 2 workers / 1 worker ${perRound.map((r) => `${r.twoOverOne.toFixed(2)}×`).join(', ')}; host ceiling (side-by-side pair / 1 worker) ${perRound.map((r) => `${r.ceiling.toFixed(2)}×`).join(', ')}; 2 workers reach ${perRound.map((r) => `${(100 * r.shareOfCeiling).toFixed(0)}%`).join(', ')} of the ceiling.`);
  }
  if (convPairRounds.length) {
    console.log(`Host compute ceiling, per round (the reference forward conv in two processes at once / alone): ${convPairRounds.map((r) => `${r.ceiling.toFixed(2)}×`).join(', ')}.`);
  }
  if (interleavedRounds.length) {
    console.log(`Alternating single steps in one process, per round: 2 workers / 1 worker ${interleavedRounds.map((r) => `${r.twoOverOne.toFixed(2)}×`).join(', ')}; with --bn-groups 2 ${interleavedRounds.map((r) => `${r.twoOverOneBnGroups.toFixed(2)}×`).join(', ')}.`);
  }
  const meanRatio = (() => {
    const a = rows.find((r) => r.id === 'wasm-ours-1')?.roundsMeanImagesPerSecond;
    const b = rows.find((r) => r.id === 'wasm-ours-2')?.roundsMeanImagesPerSecond;
    return a?.length && b?.length ? Math.max(...b) / Math.max(...a) : null;
  })();
  const bestOfEach = one && two ? two.imagesPerSecond / one.imagesPerSecond : null;
  const ratios = {
    // The goal's figure: the median over rounds of 2 workers / 1 worker measured back to back in the same round
    // (as the SDK bench judges its decode-pool ratio). On a host whose speed drifts by 1.5× within minutes, the
    // best round of each configuration may come from different host states; a round's pair shares one.
    twoWorkersOverOne: perRound.length ? median(perRound.map((r) => r.twoOverOne)) : bestOfEach,
    /** Best round of 2 workers over best round of 1 worker. */
    twoWorkersOverOneBestOfEach: bestOfEach,
    /** The same ratio from mean step times (bursts included), best round each. */
    twoWorkersOverOneMeanSteps: meanRatio,
    /** Per round: 2 workers / 1 worker, the side-by-side ceiling / 1 worker, and 2 workers / ceiling. */
    perRound,
    /** The reference conv in two processes at once over alone, median over rounds: the host's ceiling for any 2-thread scheme. */
    hostComputeCeiling: convPairRounds.length ? median(convPairRounds.map((r) => r.ceiling)) : null,
    hostComputeCeilingRounds: convPairRounds,
    ...(failures.has('conv-pair') ? { hostComputeCeilingError: failures.get('conv-pair') } : {}),
    /** 2 workers / 1 worker from alternating single steps in one process, median over rounds. */
    twoWorkersOverOneInterleaved: interleavedRounds.length ? median(interleavedRounds.map((r) => r.twoOverOne)) : null,
    /** The same with --bn-groups 2 on both (same arithmetic on 1 and 2 workers; no batch-norm exchange). */
    twoWorkersOverOneBnGroups: interleavedRounds.length ? median(interleavedRounds.map((r) => r.twoOverOneBnGroups)) : null,
    interleavedRounds: interleavedRounds.map((r) => ({ twoOverOne: r.twoOverOne, twoOverOneBnGroups: r.twoOverOneBnGroups, ...Object.fromEntries(Object.entries(r.interleaved).map(([k, v]) => [k, { msPerStep: v.msPerStep, imagesPerSecond: v.imagesPerSecond }])) })),
    /** 1 worker with Winograd 3×3 convolutions over the same with direct ones, median of the per-round ratios. */
    winogradOverDirect: winogradRounds.length ? median(winogradRounds) : one && direct ? one.imagesPerSecond / direct.imagesPerSecond : null,
    winogradOverDirectRounds: winogradRounds,
    oursOverMissingOnly: one && missing ? one.imagesPerSecond / missing.imagesPerSecond : null,
    oursOverCpu: one && cpu ? one.imagesPerSecond / cpu.imagesPerSecond : null,
  };
  const goals = {
    oneWorkerAtLeast250: one ? one.imagesPerSecond >= 250 : false,
    twoWorkersAtLeast1_7x: ratios.twoWorkersOverOne != null ? ratios.twoWorkersOverOne >= 1.7 : false,
    twoWorkersAtLeast1_7xInterleaved: ratios.twoWorkersOverOneInterleaved != null ? ratios.twoWorkersOverOneInterleaved >= 1.7 : false,
    twoWorkersAtLeast1_7xBnGroups: ratios.twoWorkersOverOneBnGroups != null ? ratios.twoWorkersOverOneBnGroups >= 1.7 : false,
  };
  const fmt = (v) => (v == null ? 'n/a' : `${v.toFixed(2)}×`);
  const referenceGflops = [referenceBefore, referenceAfter].filter(Boolean).map((r) => r.gflops);
  const hostGflops = referenceGflops.length ? Math.max(...referenceGflops) : null;
  const efficiency = one && hostGflops ? stepConvFlops() / (one.msPerStep / 1000) / 1e9 / hostGflops : null;
  if (efficiency != null) {
    console.log(`\n1 worker: a step's ${(stepConvFlops() / 1e9).toFixed(2)} GFLOP of convolutions (forward, input and filter gradients, counted as direct convolutions) run at ${(efficiency * 100).toFixed(0)}% of the host reference's direct forward-conv rate (${hostGflops.toFixed(1)} GFLOP/s, the better of before/after); it can exceed 100% because the 3×3 layers' Winograd route needs 2.25× fewer multiplies than counted. A busy host slows both alike, so this ratio moves less than images/s — but only as far as the host stayed as fast as the better reference while the rounds ran.`);
  }
  if (ratios.winogradOverDirect != null) {
    const how = winogradRounds.length ? `median of the per-round ratios (${winogradRounds.map((r) => `${r.toFixed(2)}×`).join(', ')})` : 'best round of each';
    console.log(`Winograd 3×3 convolutions / direct (1 worker, same kernels otherwise): ${fmt(ratios.winogradOverDirect)}, ${how}`);
  }
  console.log(`\n2 workers / 1 worker: ${fmt(ratios.twoWorkersOverOne)}, median of the per-round ratios (goal ≥ 1.7×: ${goals.twoWorkersAtLeast1_7x ? 'met' : 'NOT met'}); best round of each: ${fmt(ratios.twoWorkersOverOneBestOfEach)}; from mean steps (bursts included), best round of each: ${fmt(ratios.twoWorkersOverOneMeanSteps)}`);
  console.log(`2 workers / 1 worker, alternating single steps: ${fmt(ratios.twoWorkersOverOneInterleaved)} (goal ≥ 1.7×: ${goals.twoWorkersAtLeast1_7xInterleaved ? 'met' : 'NOT met'}); with --bn-groups 2: ${fmt(ratios.twoWorkersOverOneBnGroups)} (${goals.twoWorkersAtLeast1_7xBnGroups ? 'met' : 'NOT met'}); medians over rounds`);
  if (ratios.hostComputeCeiling != null) console.log(`host compute ceiling (reference conv, two processes at once / alone): ${fmt(ratios.hostComputeCeiling)}, median over rounds — 2 workers reach ${ratios.twoWorkersOverOneInterleaved != null ? `${((100 * ratios.twoWorkersOverOneInterleaved) / ratios.hostComputeCeiling).toFixed(0)}% of it alternating (${((100 * ratios.twoWorkersOverOneBnGroups) / ratios.hostComputeCeiling).toFixed(0)}% with --bn-groups 2)` : 'n/a'}`);
  console.log(`our kernels / missing-only: ${fmt(ratios.oursOverMissingOnly)};  our kernels / cpu: ${fmt(ratios.oursOverCpu)}`);
  console.log(`1 worker: ${one ? one.imagesPerSecond.toFixed(0) : 'n/a'} images/s (goal ≥ 250: ${goals.oneWorkerAtLeast250 ? 'met' : 'NOT met'})`);
  if (jsonPath) {
    const report = { benchmark: 'train', batch: BATCH, inputSize: SIZE, model: 'conv4', loss: 'triplet-hard', cpus: os.cpus().length, node: process.version, rows, ratios, goals, hostReference: { before: referenceBefore, after: referenceAfter, stepConvFlops: stepConvFlops(), oneWorkerConvEfficiency: efficiency }, date: new Date().toISOString() };
    writeFileSync(jsonPath, JSON.stringify(report, null, 2));
    console.log(`\nJSON written to ${jsonPath}`);
  }
  if (failures.size > 0 || rows.some((r) => r.error)) process.exitCode = 1;
}

if (args[0] === '--child') {
  child(JSON.parse(args[1])).catch((error) => {
    console.error(error?.stack ?? String(error));
    process.exit(1);
  });
} else {
  main();
}
