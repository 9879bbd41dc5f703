/**
 * `siamese-train` training options → validated configuration. Everything a user can get wrong (unknown loss or
 * mining, non-positive margin, malformed --batch, missing dataset) is rejected here, before any data is read
 * or any backend starts.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SiameseError, parseDecimal } from '@siamese-sdk/core';
import type { DataOptions } from '../data/prepare.js';
import { LOSS_KINDS, MINING_KINDS, validateLossConfig } from '../losses/create-loss.js';
import { PROXY_DEFAULTS } from '../losses/proxy.js';
import type { LossConfig, Mining } from '../losses/loss.js';
import { DEFAULT_NET_CONFIG } from '../model/net-config.js';
import type { SamplerKind } from '../train/batch-source.js';
import { parseSchedule } from '../train/lr-schedule.js';
import type { BackendPreference } from '../train/stepper.js';
import { CONVOLUTIONS, DEFAULT_TRAINER_CONFIG, validateTrainerConfig, type Convolutions, type TrainerConfig } from '../train/trainer.js';

export const TRAIN_USAGE = `Usage: siamese-train --data omniglot|<dir> [options]
       siamese-train eval <run-dir> [options]        (see: siamese-train eval --help)
       siamese-train export <run-dir> [options]      (see: siamese-train export --help)

Data
  --data omniglot|<dir>     Omniglot, or a folder-per-class directory <dir>/<label>/*.{png,jpg,...}
  --omniglot-dir <path>     folder with images_background.zip and images_evaluation.zip
  --download                download the official Omniglot zips into the cache folder if not found
  --cache-dir <path>        decoded-image cache (default $SIAMESE_CACHE_DIR or ./.cache/siamese-train)
  --input-size <px>         model input side (default 28)
  --channels 1|3            folder datasets: grayscale or RGB (default 3)
  --alphabets a,b,...       train on these groups (Omniglot alphabets) only
  --val-alphabets a,b,...   hold out exactly these groups for validation
  --val-fraction <f>        fraction of groups/classes held out for validation (default 0.2); 0 = a final fit on
                            every class: no validation, the last checkpoint is the result
  --no-rotations            Omniglot: do not add 90/180/270° rotations as new classes
  --no-augment              no Koch affine distortions

Model and loss
  --loss contrastive|triplet|proto|proxy   (default proto)
  --mining all|hard|semihard         triplet mining (default semihard)
  --margin <m>              contrastive (default 1.0) / triplet (default 0.2) margin, > 0;
                            proxy: additive cosine margin in [0, 1) (default 0.1)
  --proto-scale <s>         proto logits −s·d² (default 20 on the unit sphere, 1 with --no-l2-normalize)
  --proxy-scale <s>         proxy logits s·cos (default 16)
  --proxy-lr-scale <k>      the proxies' learning rate as k × --lr (default 1)
  --width <n|n,n,..> --depth <n> --embedding-size <n>
                            network shape (default 64, 4, 0 = no projection); --width takes one filter
                            count for every block or one per block, e.g. 64,64,128,256
  --stem-stride <s>         block 1 as a patch stem: a 2s×2s conv at stride s, so an s-times larger
                            --input-size costs about what the default does (default 1 = a 3×3 conv)
  --no-l2-normalize         raw embeddings (the exported model still returns unit vectors to the SDKs)

Optimisation
  --steps <n>               training steps (default 1000)
  --batch <P>x<K>           P classes × K images per batch (default 16x8; proto 20x10)
  --sampler pk|pairs|triplets   (default pk)
  --pk-groups <n>           pk: take each batch's P classes from n random groups (alphabets), so negatives are
                            mostly same-alphabet characters (default 0 = from all classes)
  --lr <rate>               Adam learning rate (default 0.001)
  --schedule step|cosine|constant   (default step: halve at 1/3 and 2/3)
  --workers <n>             data-parallel worker threads (default 1)
  --bn-groups <n>           batch norm over n groups of each batch (ghost batch norm), n a multiple of --workers:
                            workers then need not exchange statistics (default 1 = over the whole batch)
  --backend auto|tfjs-node|wasm|cpu (default auto)
  --conv winograd|direct    wasm: eligible 3×3 stride-1 convolutions as Winograd F(2×2, 3×3) (default; Conv-4
                            steps ~1.7× faster) or as XNNPACK's direct convolution, what runs made before the
                            Winograd route used (rounding differs; direct can repeat such a run exactly)
  --seed <n>                (default 1)

Validation, checkpoints, output
  --val-every <n>           validate every n steps (default 100)
  --val-way <n> --val-shot <n> --val-episodes <n>   (default 20, 1, 500)
  --checkpoint-every <n>    (default 50)
  --eval-episodes <n>       episodes per task in the final report (default 1000)
  --out <dir>               run folder (default runs/<data>-<loss>-<time>)
  --resume                  continue the run in --out from its last checkpoint
  --init-from <run-dir>     start from that run's network (its best checkpoint, else its last): fine-tuning, or
                            a second phase with other settings; its network options, input size, channels and
                            preprocessing carry over (given ones must agree); Adam, the schedule and loss
                            parameters start fresh
  --quiet                   no progress bar
`;

export interface TrainCommandOptions {
  /** Undefined only with --resume and no --data: the run's recorded data options are used. */
  data: DataOptions | undefined;
  /** The data options as the flags give them, with or without --data (what a resume compares with its record). */
  dataFlags: DataOptions;
  /** Option names given on the command line (on --resume these override the checkpoint's settings). */
  explicit: string[];
  trainer: TrainerConfig;
  out: string;
  resume: boolean;
  evalEpisodes: number;
  quiet: boolean;
}

function bad(message: string, details: Record<string, unknown> = {}): never {
  throw new SiameseError('INVALID_ARGUMENT', message, details);
}

function int(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = parseDecimal(v);
  if (!Number.isInteger(n) || n < min) bad(`--${name} must be an integer ≥ ${min}, got "${v}"`, { [name]: v });
  return n;
}

/** `--width 64` (every block) or `--width 64,64,128,256` (one per block; the count is checked against --depth later). */
function widthArg(v: string | undefined): number | readonly number[] {
  if (v === undefined) return DEFAULT_NET_CONFIG.width;
  if (!v.includes(',')) return int('width', v, 0);
  return v.split(',').map((part) => int('width', part.trim(), 0));
}

function num(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = parseDecimal(v);
  if (!Number.isFinite(n)) bad(`--${name} must be a number, got "${v}"`, { [name]: v });
  return n;
}

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseTrainArgs(argv: string[], now = new Date()): TrainCommandOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        data: { type: 'string' },
        'omniglot-dir': { type: 'string' },
        download: { type: 'boolean' },
        'cache-dir': { type: 'string' },
        'input-size': { type: 'string' },
        channels: { type: 'string' },
        alphabets: { type: 'string' },
        'val-alphabets': { type: 'string' },
        'val-fraction': { type: 'string' },
        'no-rotations': { type: 'boolean' },
        'no-augment': { type: 'boolean' },
        loss: { type: 'string' },
        mining: { type: 'string' },
        margin: { type: 'string' },
        'proto-scale': { type: 'string' },
        'proxy-scale': { type: 'string' },
        'proxy-lr-scale': { type: 'string' },
        width: { type: 'string' },
        depth: { type: 'string' },
        'stem-stride': { type: 'string' },
        'embedding-size': { type: 'string' },
        'no-l2-normalize': { type: 'boolean' },
        steps: { type: 'string' },
        batch: { type: 'string' },
        sampler: { type: 'string' },
        'pk-groups': { type: 'string' },
        lr: { type: 'string' },
        schedule: { type: 'string' },
        workers: { type: 'string' },
        'bn-groups': { type: 'string' },
        backend: { type: 'string' },
        conv: { type: 'string' },
        seed: { type: 'string' },
        'val-every': { type: 'string' },
        'val-way': { type: 'string' },
        'val-shot': { type: 'string' },
        'val-episodes': { type: 'string' },
        'checkpoint-every': { type: 'string' },
        'eval-episodes': { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean' },
        'init-from': { type: 'string' },
        quiet: { type: 'boolean' },
      },
    });
  } catch (e) {
    bad(`${(e as Error).message}\n\n${TRAIN_USAGE}`);
  }
  const v = parsed.values;

  // Loss first: the cheapest and most common mistake.
  const kind = v.loss ?? 'proto';
  if (!(LOSS_KINDS as readonly string[]).includes(kind)) bad(`unknown loss "${kind}" (expected one of ${LOSS_KINDS.join(', ')})`, { loss: kind });
  const mining = v.mining ?? 'semihard';
  if (!MINING_KINDS.includes(mining as Mining)) bad(`unknown mining "${mining}" (expected one of ${MINING_KINDS.join(', ')})`, { mining });
  if (v.mining !== undefined && kind !== 'triplet') bad(`--mining applies to --loss triplet only`);
  if (v.margin !== undefined && kind === 'proto') bad('--margin does not apply to --loss proto');
  const margin = num('margin', v.margin, kind === 'contrastive' ? 1.0 : kind === 'proxy' ? PROXY_DEFAULTS.margin : 0.2);
  if (kind === 'proxy' ? !(margin >= 0 && margin < 1) : !(margin > 0)) {
    bad(`--margin must be ${kind === 'proxy' ? 'in [0, 1) for --loss proxy' : 'positive'}, got ${v.margin}`, { margin: v.margin });
  }
  if (v['proxy-scale'] !== undefined && kind !== 'proxy') bad('--proxy-scale applies to --loss proxy only');
  const proxyScale = num('proxy-scale', v['proxy-scale'], PROXY_DEFAULTS.scale);
  if (!(proxyScale > 0)) bad(`--proxy-scale must be positive, got ${v['proxy-scale']}`, { scale: v['proxy-scale'] });
  if (v['proxy-lr-scale'] !== undefined && kind !== 'proxy') bad('--proxy-lr-scale applies to --loss proxy only');
  const proxyRate = num('proxy-lr-scale', v['proxy-lr-scale'], PROXY_DEFAULTS.learningRateScale);
  if (!(proxyRate > 0)) bad(`--proxy-lr-scale must be positive, got ${v['proxy-lr-scale']}`, { learningRateScale: v['proxy-lr-scale'] });
  if (v['proto-scale'] !== undefined && kind !== 'proto') bad('--proto-scale applies to --loss proto only');
  // On the unit sphere squared distances lie in [0, 4]: scale 1 caps the logits and learns slowly (a 60-step
  // Omniglot run: 68.7% 5-way 1-shot at scale 1, 80.8% at 8, 82.3% at 20, 78.2% unnormalised at 1).
  const scale = num('proto-scale', v['proto-scale'], v['no-l2-normalize'] ? 1 : 20);
  if (!(scale > 0)) bad(`--proto-scale must be positive, got ${v['proto-scale']}`, { scale: v['proto-scale'] });
  // The proxy loss's class count comes from the training split (the trainer fills it in).
  const loss: LossConfig =
    kind === 'contrastive'
      ? { kind, margin }
      : kind === 'triplet'
        ? { kind, margin, mining: mining as Mining }
        : kind === 'proxy'
          ? { kind, scale: proxyScale, margin, learningRateScale: proxyRate }
          : { kind: 'proto', scale };
  validateLossConfig(loss);

  // Data: must exist before anything else happens.
  const resumeOnly = v.resume === true && !v.data;
  if (!v.data && !resumeOnly) bad(`--data is required (omniglot or a folder-per-class directory)\n\n${TRAIN_USAGE}`);
  if (resumeOnly || v.data === undefined) {
    // Checked against the recorded options when the checkpoint is read.
  } else if (v.data !== 'omniglot') {
    if (!existsSync(v.data) || !statSync(v.data).isDirectory()) throw new SiameseError('DATASET_INVALID', `--data ${v.data}: no such folder (expected "omniglot" or a folder-per-class directory)`, { path: v.data });
    if (v['omniglot-dir'] || v.download) bad('--omniglot-dir and --download apply to --data omniglot only');
  } else if (!v['omniglot-dir'] && !v.download) {
    throw new SiameseError('DATASET_INVALID', '--data omniglot needs --omniglot-dir <folder with images_background.zip and images_evaluation.zip> or --download', {});
  } else if (v['omniglot-dir'] && !existsSync(v['omniglot-dir']) && !v.download) {
    throw new SiameseError('DATASET_INVALID', `--omniglot-dir ${v['omniglot-dir']}: no such folder`, { path: v['omniglot-dir'] });
  }
  const channels = int('channels', v.channels, 3);
  if (channels !== 1 && channels !== 3) bad(`--channels must be 1 or 3, got ${channels}`);
  if (v.data === 'omniglot' && v.channels !== undefined && channels !== 1) bad('Omniglot is grayscale: --channels must be 1');
  const inputSize = int('input-size', v['input-size'], 28, 4);
  const valFraction = num('val-fraction', v['val-fraction'], 0.2);
  if (!(valFraction >= 0 && valFraction < 1)) bad(`--val-fraction must be in [0, 1), got ${valFraction}`);
  if (valFraction === 0 && v['val-alphabets'] !== undefined) bad('--val-fraction 0 holds nothing out; it cannot be combined with --val-alphabets');
  const seed = int('seed', v.seed, 1, 0);
  const dataName = resumeOnly ? 'resume' : v.data === 'omniglot' ? 'omniglot' : (v.data!.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? 'data');
  if (resumeOnly && !v.out) bad('--resume needs --out <run folder>');
  // Paths are stored absolute so `eval`, `export` and `--resume` work from any working directory.
  const data: DataOptions = {
    data: v.data === undefined || v.data === 'omniglot' ? (v.data ?? '') : resolve(v.data),
    omniglotDir: v['omniglot-dir'] === undefined ? undefined : resolve(v['omniglot-dir']),
    download: v.download ?? false,
    cacheDir: v['cache-dir'] === undefined ? undefined : resolve(v['cache-dir']),
    inputSize,
    channels: v.data === 'omniglot' ? 1 : (channels as 1 | 3),
    seed,
    valFraction,
    valGroups: list(v['val-alphabets']),
    trainGroups: list(v.alphabets),
    rotations: v.data === 'omniglot' && !v['no-rotations'],
  };

  const batchText = v.batch ?? (kind === 'proto' ? '20x10' : '16x8');
  const m = /^(\d+)\s*[x×*]\s*(\d+)$/i.exec(batchText);
  if (!m) bad(`--batch must look like PxK (classes × images per class), e.g. 16x8; got "${batchText}"`);
  const sampler = (v.sampler ?? 'pk') as SamplerKind;
  if (!['pk', 'pairs', 'triplets'].includes(sampler)) bad(`unknown --sampler "${v.sampler}" (pk, pairs, triplets)`);
  if (kind === 'proto' && sampler !== 'pk') bad('--loss proto needs --sampler pk (episodes are P classes × K images)');
  const backend = (v.backend ?? 'auto') as BackendPreference;
  if (!['auto', 'tfjs-node', 'wasm', 'cpu'].includes(backend)) bad(`unknown --backend "${v.backend}" (auto, tfjs-node, wasm, cpu)`);
  const convolutions = (v.conv ?? 'winograd') as Convolutions;
  if (!CONVOLUTIONS.includes(convolutions)) bad(`unknown --conv "${v.conv}" (${CONVOLUTIONS.join(', ')})`);
  const lr = num('lr', v.lr, DEFAULT_TRAINER_CONFIG.lr);
  if (!(lr > 0)) bad(`--lr must be positive, got ${v.lr}`);
  const depth = int('depth', v.depth, DEFAULT_NET_CONFIG.depth);
  const width = widthArg(v.width);
  if (typeof width !== 'number' && width.length !== depth) bad(`--width ${v.width ?? ''} lists ${width.length} filter counts; --depth ${depth} needs one per block (or a single count for all)`, { width: v.width, depth });
  const trainer: TrainerConfig = {
    ...DEFAULT_TRAINER_CONFIG,
    net: {
      ...DEFAULT_NET_CONFIG,
      inputSize,
      channels: data.channels ?? 1,
      width,
      depth,
      stemStride: int('stem-stride', v['stem-stride'], 1),
      embeddingSize: int('embedding-size', v['embedding-size'], DEFAULT_NET_CONFIG.embeddingSize, 0),
      l2Normalize: !v['no-l2-normalize'],
    },
    loss,
    steps: int('steps', v.steps, DEFAULT_TRAINER_CONFIG.steps),
    classesPerBatch: Number(m[1]),
    imagesPerClass: Number(m[2]),
    sampler,
    groupsPerBatch: int('pk-groups', v['pk-groups'], 0, 0),
    lr,
    schedule: parseSchedule(v.schedule ?? 'step'),
    augment: !v['no-augment'],
    seed,
    valEvery: int('val-every', v['val-every'], DEFAULT_TRAINER_CONFIG.valEvery),
    valWay: int('val-way', v['val-way'], DEFAULT_TRAINER_CONFIG.valWay, 2),
    valShot: int('val-shot', v['val-shot'], DEFAULT_TRAINER_CONFIG.valShot),
    valEpisodes: int('val-episodes', v['val-episodes'], DEFAULT_TRAINER_CONFIG.valEpisodes),
    checkpointEvery: int('checkpoint-every', v['checkpoint-every'], DEFAULT_TRAINER_CONFIG.checkpointEvery),
    workers: int('workers', v.workers, 1),
    batchNormGroups: int('bn-groups', v['bn-groups'], 1),
    backend,
    convolutions,
    ...(v['init-from'] === undefined ? {} : { initFrom: resolve(v['init-from']) }),
  };
  validateTrainerConfig(trainer);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return {
    data: resumeOnly ? undefined : data,
    dataFlags: data,
    explicit: Object.keys(v),
    trainer,
    out: v.out ?? `runs/${dataName}-${kind}-${stamp}`,
    resume: v.resume ?? false,
    evalEpisodes: int('eval-episodes', v['eval-episodes'], 1000),
    quiet: v.quiet ?? false,
  };
}
