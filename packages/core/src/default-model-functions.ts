/**
 * The top-level `rank` / `embed` / `similarity` / `supportSet` of both SDKs: the same calls on a default model that
 * is loaded once, lazily, on first use, and reloaded if a load failed or someone disposed it. Each SDK passes its own
 * loader; the functions keep that SDK's model types (its image inputs, overloads and option objects).
 */
import { SiameseError } from './errors.js';
import { resolveLoadOptions, type SharedLoadOptions } from './load-options.js';
export interface DefaultModelShape {
  readonly isDisposed: boolean;
  rank(...args: never[]): Promise<unknown>;
  embed(...args: never[]): Promise<unknown>;
  similarity(...args: never[]): Promise<unknown>;
  supportSet(...args: never[]): Promise<unknown>;
}

export interface DefaultModelFunctions<M extends DefaultModelShape, O> {
  /**
   * The default model (loaded on first call; later calls share it). Later calls with no options get it as loaded;
   * options that differ from the loaded model's are an error (dispose it first to load another), never ignored.
   */
  defaultModel(options?: O): Promise<M>;
  rank: M['rank'];
  embed: M['embed'];
  similarity: M['similarity'];
  supportSet: M['supportSet'];
}

/**
 * `defaults` are the loader's defaults for options it takes (e.g. { dtype: 'fp32', device: 'auto' }): an option
 * that restates one asks for the same model as leaving it out.
 */
export function createDefaultModelFunctions<M extends DefaultModelShape, O extends SharedLoadOptions>(
  load: (options?: O) => Promise<M>,
  defaults: Partial<O> = {},
): DefaultModelFunctions<M, O> {
  let loading: Promise<M> | undefined;
  /** The model `loading` resolved to, once it has: calls then reach it without waiting a turn (see forward). */
  let loaded: M | undefined;
  let loadedWith: Record<string, unknown> = {};
  // What the options ask for: the defaults with the given (defined) options over them, copied.
  const effective = (options: O | undefined): Record<string, unknown> => {
    const given = Object.entries(options ?? {}).filter(([, value]) => value !== undefined);
    return copyPlain({ ...defaults, ...Object.fromEntries(given) }) as Record<string, unknown>;
  };
  async function defaultModel(options?: O): Promise<M> {
    resolveLoadOptions(options); // a bad value is named as such, whatever is loaded
    if (loading) {
      const current = loading;
      // A call that waited on an attempt which failed gets that attempt's error: ten callers of a failing load see
      // one failure, not ten loads one after another. (A failed attempt is forgotten, so a call made afterwards
      // starts a new one.)
      const model = await current;
      if (!model.isDisposed) {
        if (options !== undefined && !sameOptions(effective(options), loadedWith)) {
          throw new SiameseError(
            'INVALID_ARGUMENT',
            'the default model is already loaded with other options; dispose it first (await (await defaultModel()).dispose()) to load it with these',
            { loaded: describeOptions(loadedWith), requested: describeOptions(effective(options)) },
          );
        }
        return model;
      }
      if (loading !== current) return defaultModel(options); // another call started a reload meanwhile
    }
    const attempt = load(options);
    loading = attempt;
    loaded = undefined;
    loadedWith = effective(options);
    // A failed load is forgotten so the next call tries again (e.g. after the user fixes a path). This handler is
    // attached before any waiter's, so by the time waiters see the error, new calls already start afresh.
    attempt.then(
      (model) => {
        if (loading === attempt) loaded = model;
      },
      () => {
        if (loading === attempt) loading = undefined;
      },
    );
    return attempt;
  }
  // Forwards a call to the same-named method of the default model; the cast keeps the model's own signature
  // (overloads included), which TypeScript cannot express for a generic forwarder. Once the model is loaded the
  // call reaches it at once, not after an await: the model reads the caller's inputs (pixel buffers) when called.
  const forward = <K extends 'rank' | 'embed' | 'similarity' | 'supportSet'>(name: K): M[K] =>
    ((...args: unknown[]) => {
      const call = (model: M): Promise<unknown> => (model[name] as unknown as (...a: unknown[]) => Promise<unknown>).apply(model, args);
      const ready = loaded !== undefined && !loaded.isDisposed ? loaded : undefined;
      if (!ready) return defaultModel().then(call);
      try {
        return call(ready);
      } catch (error) {
        return Promise.reject(error); // a method that throws synchronously (e.g. disposed meanwhile): still a rejection
      }
    }) as unknown as M[K];
  return { defaultModel, rank: forward('rank'), embed: forward('embed'), similarity: forward('similarity'), supportSet: forward('supportSet') };
}

/** Whether two option objects ask for the same thing: keys set to undefined count as absent; nested plain objects compare by value. */
function sameOptions(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isPlainObject(a ?? {}) || !isPlainObject(b ?? {})) return false;
  const entries = (o: unknown) => Object.entries((o ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const ea = entries(a);
  const eb = new Map(entries(b));
  return ea.length === eb.size && ea.every(([key, value]) => eb.has(key) && sameValue(value, eb.get(key)));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (isPlainObject(a) && isPlainObject(b)) return sameOptions(a, b);
  return a instanceof URL && b instanceof URL && a.href === b.href;
}

/** A copy of plain objects (nested too), so a caller changing its options object later changes nothing here. */
function copyPlain(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, v]) => [key, copyPlain(v)]));
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function describeOptions(options: unknown): string {
  try {
    return JSON.stringify(options ?? {});
  } catch {
    return String(options);
  }
}
