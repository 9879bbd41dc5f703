/** Shape of the embedding network. Conv-4 (Vinyals et al. / Snell et al.) is the default. */
export interface NetConfig {
  /** Input height = width in pixels. */
  inputSize: number;
  /** 1 = grayscale, 3 = RGB. */
  channels: 1 | 3;
  /**
   * Filters per conv block: one count for every block (Conv-4: 64), or one count per block (`depth` of them), e.g.
   * [64, 64, 128, 256] — wider late blocks cost little, since their feature maps are small.
   */
  width: number | readonly number[];
  /** Number of [3×3 conv, batch norm, ReLU, 2×2 max-pool] blocks. */
  depth: number;
  /**
   * Stride s of block 1's convolution, a patch stem: s > 1 gives it a 2s×2s kernel at stride s, so an input s times
   * larger (e.g. 56×56 at s = 2) costs about what the default 28×28 does — block 1 reads one channel and is a small
   * share of the work — while it still sees every input pixel. 1 (default) = the plain 3×3 conv.
   */
  stemStride?: number;
  /** Output dimension D; when it differs from the flattened conv output a Dense projection is added. 0 = no projection. */
  embeddingSize: number;
  /** L2-normalise the output (our L2Normalize layer). */
  l2Normalize: boolean;
}

export const DEFAULT_NET_CONFIG: NetConfig = {
  inputSize: 28,
  channels: 1,
  width: 64,
  depth: 4,
  stemStride: 1,
  embeddingSize: 0,
  l2Normalize: true,
};
