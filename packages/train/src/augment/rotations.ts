/**
 * Omniglot's classic class augmentation (Santoro et al. 2016, Vinyals et al. 2016): each character rotated by
 * 90°, 180° and 270° becomes a new class, quadrupling the training classes. Rotated classes share the original
 * pixels; the rotation is applied when a batch is copied out (see copyImage).
 */
import type { ClassPool, QuarterTurns } from '../data/class-pool.js';

export function withQuarterTurnClasses(pool: ClassPool): ClassPool {
  const turns: QuarterTurns[] = [0, 1, 2, 3];
  return {
    set: pool.set,
    classes: turns.flatMap((t) =>
      pool.classes
        .filter((c) => c.rotation === 0)
        .map((c) => (t === 0 ? c : { ...c, name: `${c.name}@rot${90 * t}`, group: `${c.group}@rot${90 * t}`, rotation: t })),
    ),
  };
}
