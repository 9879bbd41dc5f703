/** What a triplet miner produces: index triplets (anchor, positive, negative) into the batch. */
export interface Triplets {
  anchor: Int32Array;
  positive: Int32Array;
  negative: Int32Array;
  /**
   * How the triplet loss averages: 'all' = over every mined triplet; 'active' = over triplets with a positive
   * hinge only (batch-all, Hermans et al. 2017: averaging over the many zero terms would shrink the gradient).
   */
  average: 'all' | 'active';
}

/**
 * labels: N class ids; squaredDistances: N×N row-major squared Euclidean distances of the batch's embeddings
 * (read from the current step; miners choose indices, they do not compute gradients).
 */
export type TripletMiner = (labels: Int32Array, squaredDistances: Float32Array) => Triplets;

export class TripletList {
  private readonly a: number[] = [];
  private readonly p: number[] = [];
  private readonly n: number[] = [];
  push(anchor: number, positive: number, negative: number): void {
    this.a.push(anchor);
    this.p.push(positive);
    this.n.push(negative);
  }
  toTriplets(average: Triplets['average']): Triplets {
    return { anchor: Int32Array.from(this.a), positive: Int32Array.from(this.p), negative: Int32Array.from(this.n), average };
  }
}
