/**
 * The one thing an SDK adapter must provide to run a model: a function from a batch of preprocessed input
 * tensors to a batch of embeddings. Kept apart from any runtime (onnxruntime-node, onnxruntime-web, ...) so the
 * model-independent logic in {@link EmbeddingModel} is written once and shared by every SDK.
 */
export interface EmbeddingBackend {
  /** What actually runs the model, e.g. "cpu", "cuda", "wasm", "webgpu". */
  readonly device: string;
  /**
   * Runs the model on `n` inputs laid out NCHW (as the model's metadata describes) in one contiguous array and
   * resolves to the `n × D` output, row-major. The backend may reuse neither array after resolving.
   */
  run(input: Float32Array, n: number): Promise<Float32Array>;
  /** Releases the runtime's resources; no `run` is started after this. */
  dispose(): Promise<void>;
}
