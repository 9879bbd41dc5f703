/** One image chosen by a sampler: its class in the pool and its index in the pool's ImageSet. */
export interface SampledImage {
  cls: number;
  image: number;
}
