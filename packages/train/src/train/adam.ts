/**
 * Adam (Kingma & Ba 2015) over one flat Float32Array of parameters, with bias correction as in tfjs/TensorFlow:
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  w ← w − lr · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
 * Plain JavaScript rather than tf.train.adam so that the state (m, v, t) is explicit — checkpoints restore it
 * exactly — and so that the single-thread and data-parallel steppers share one update.
 */
export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /**
   * Per-parameter learning-rate multipliers (length = parameter count); absent = 1 everywhere. The proxy loss's
   * class proxies take theirs from `--proxy-lr-scale`: a proxy gets a real push only in the few batches that hold
   * its class, so its best rate need not be the network's.
   */
  rateScale?: Float32Array;
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly rateScale: Float32Array | undefined;
  step = 0;

  constructor(size: number, options: AdamOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
    if (options.rateScale !== undefined && options.rateScale.length !== size) {
      throw new RangeError(`Adam: ${options.rateScale.length} learning-rate multipliers for ${size} parameters`);
    }
    this.rateScale = options.rateScale;
  }

  /** Updates `weights` in place from `gradients`. */
  apply(weights: Float32Array, gradients: Float32Array, lr: number): void {
    this.step++;
    const { beta1: b1, beta2: b2, epsilon, m, v, rateScale } = this;
    const c1 = 1 - Math.pow(b1, this.step);
    const c2 = 1 - Math.pow(b2, this.step);
    for (let i = 0; i < weights.length; i++) {
      const g = gradients[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const rate = rateScale === undefined ? lr : lr * rateScale[i];
      weights[i] -= (rate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
    }
  }
}
