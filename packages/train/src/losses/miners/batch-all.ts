/** Batch-all mining: every valid triplet of the batch — a ≠ p of one class, n of another. */
import { TripletList, type TripletMiner } from './triplets.js';

export const mineBatchAll: TripletMiner = (labels) => {
  const list = new TripletList();
  const n = labels.length;
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      for (let k = 0; k < n; k++) if (labels[k] !== labels[a]) list.push(a, p, k);
    }
  }
  return list.toTriplets('active');
};
