/**
 * The top-level `rank` / `embed` / `similarity` / `supportSet` of both SDKs: the same calls on a default model that
 * is loaded once, lazily, on first use, and reloaded if a load failed or someone disposed it. Each SDK passes its own
 * loader; the functions keep that SDK's model types (its image inputs, overloads and option objects).
 */
export interface DefaultModelShape {
  readonly isDisposed: boolean;
  rank(...args: never[]): Promise<unknown>;
  embed(...args: never[]): Promise<unknown>;
  similarity(...args: never[]): Promise<unknown>;
  supportSet(...args: never[]): Promise<unknown>;
}

export interface DefaultModelFunctions<M extends DefaultModelShape, O> {
  /** The default model (loaded on first call; later calls share it). Options apply to the first load only. */
  defaultModel(options?: O): Promise<M>;
  rank: M['rank'];
  embed: M['embed'];
  similarity: M['similarity'];
  supportSet: M['supportSet'];
}

export function createDefaultModelFunctions<M extends DefaultModelShape, O>(load: (options?: O) => Promise<M>): DefaultModelFunctions<M, O> {
  let loading: Promise<M> | undefined;
  async function defaultModel(options?: O): Promise<M> {
    if (loading) {
      const model = await loading.catch(() => undefined);
      if (model && !model.isDisposed) return model;
    }
    const attempt = load(options);
    loading = attempt;
    // A failed load is forgotten so the next call tries again (e.g. after the user fixes a path).
    attempt.catch(() => {
      if (loading === attempt) loading = undefined;
    });
    return attempt;
  }
  // Forwards a call to the same-named method of the default model; the cast keeps the model's own signature
  // (overloads included), which TypeScript cannot express for a generic forwarder.
  const forward = <K extends 'rank' | 'embed' | 'similarity' | 'supportSet'>(name: K): M[K] =>
    (async (...args: unknown[]) => {
      const model = await defaultModel();
      return (model[name] as unknown as (...a: unknown[]) => Promise<unknown>).apply(model, args);
    }) as unknown as M[K];
  return { defaultModel, rank: forward('rank'), embed: forward('embed'), similarity: forward('similarity'), supportSet: forward('supportSet') };
}
