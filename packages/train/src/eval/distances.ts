/** Distances between embedding rows stored flat (row-major, `dim` floats per row). */

export function squaredEuclidean(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s = 0;
  const ao = ai * dim, bo = bi * dim;
  for (let k = 0; k < dim; k++) {
    const d = a[ao + k] - b[bo + k];
    s += d * d;
  }
  return s;
}

/** Mean of some rows, as a new row. */
export function meanRow(rows: Float32Array, indices: number[], dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (const i of indices) for (let k = 0; k < dim; k++) out[k] += rows[i * dim + k];
  for (let k = 0; k < dim; k++) out[k] /= indices.length;
  return out;
}
