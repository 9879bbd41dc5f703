/**
 * Fixed, seeded K-way N-shot episodes over the committed evaluation fixtures (fixtures/omniglot-eval-mini: 40
 * Omniglot evaluation characters × 20 drawers), scored through the SDK's own path: support sets built from image
 * files by `model.supportSet`, queries ranked by the support set. The model card states what the default model
 * scores on exactly these episodes; default-model-accuracy.test.ts checks it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SiameseModel } from '../src/index.js';
import { mulberry32 as rng } from '@siamese-sdk/core';

export interface FixtureCharacter {
  /** e.g. "Tengwar/character07". */
  name: string;
  /** One image per drawer, sorted by file name. */
  files: string[];
}

export interface FixtureTask {
  way: number;
  shot: number;
  episodes: number;
  seed: number;
}

export interface FixtureEpisode {
  /** Per class: its character index, `shot` support files and one query file (a drawer not in the support). */
  classes: { character: number; support: string[]; query: string }[];
}

export interface FixtureScore {
  /** Mean over episodes of the fraction of queries ranked to their own character, in [0, 1]. */
  accuracy: number;
  /** Half-width of the 95% confidence interval of the mean, in [0, 1] (normal approximation). */
  ci95: number;
  episodes: number;
}

export function fixtureCharacters(root: string): FixtureCharacter[] {
  const out: FixtureCharacter[] = [];
  for (const alphabet of readdirSync(root).sort()) {
    for (const character of readdirSync(join(root, alphabet)).sort()) {
      const dir = join(root, alphabet, character);
      out.push({ name: `${alphabet}/${character}`, files: readdirSync(dir).filter((f) => f.endsWith('.png')).sort().map((f) => join(dir, f)) });
    }
  }
  return out;
}


/** `count` distinct integers from [0, n), in random order. */
function pick(random: () => number, n: number, count: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, count);
}

export function fixtureEpisodes(characters: FixtureCharacter[], task: FixtureTask): FixtureEpisode[] {
  const random = rng(task.seed);
  const episodes: FixtureEpisode[] = [];
  for (let e = 0; e < task.episodes; e++) {
    const chosen = pick(random, characters.length, task.way);
    episodes.push({
      classes: chosen.map((character) => {
        const files = characters[character].files;
        const drawers = pick(random, files.length, task.shot + 1);
        return { character, support: drawers.slice(0, task.shot).map((d) => files[d]), query: files[drawers[task.shot]] };
      }),
    });
  }
  return episodes;
}

/** Scores the episodes with the SDK: `model.supportSet` from the files, each query ranked by the support set. */
export async function scoreEpisodes(model: SiameseModel, characters: FixtureCharacter[], episodes: FixtureEpisode[]): Promise<FixtureScore> {
  // Each query image is embedded once (queries repeat across episodes); support sets embed their own files.
  const queryFiles = [...new Set(episodes.flatMap((e) => e.classes.map((c) => c.query)))];
  const queryEmbeddings = new Map<string, Float32Array>();
  (await model.embed(queryFiles)).forEach((e, i) => queryEmbeddings.set(queryFiles[i], e));
  const perEpisode: number[] = [];
  for (const episode of episodes) {
    const set = await model.supportSet(Object.fromEntries(episode.classes.map((c) => [characters[c.character].name, c.support])));
    let correct = 0;
    for (const c of episode.classes) {
      const result = set.rankEmbedding(queryEmbeddings.get(c.query)!, { k: 1 });
      if (result.best.label === characters[c.character].name) correct++;
    }
    perEpisode.push(correct / episode.classes.length);
  }
  const n = perEpisode.length;
  const mean = perEpisode.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? perEpisode.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { accuracy: mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n), episodes: n };
}
