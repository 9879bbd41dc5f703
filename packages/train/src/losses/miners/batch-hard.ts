/**
 * Batch-hard mining (Hermans et al. 2017): per anchor, its farthest positive and its nearest negative. Anchors
 * without a positive or without a negative in the batch are skipped. Ties go to the lowest index.
 */
import { TripletList, type TripletMiner } from './triplets.js';

export const mineBatchHard: TripletMiner = (labels, d2) => {
  const list = new TripletList();
  const n = labels.length;
  for (let a = 0; a < n; a++) {
    let hardestPositive = -1;
    let hardestNegative = -1;
    for (let k = 0; k < n; k++) {
      if (k === a) continue;
      const d = d2[a * n + k];
      if (labels[k] === labels[a]) {
        if (hardestPositive < 0 || d > d2[a * n + hardestPositive]) hardestPositive = k;
      } else if (hardestNegative < 0 || d < d2[a * n + hardestNegative]) {
        hardestNegative = k;
      }
    }
    if (hardestPositive >= 0 && hardestNegative >= 0) list.push(a, hardestPositive, hardestNegative);
  }
  return list.toTriplets('all');
};
