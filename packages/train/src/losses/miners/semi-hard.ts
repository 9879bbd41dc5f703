/**
 * Semi-hard mining (Schroff et al. 2015, FaceNet), as in TensorFlow Addons: for every positive pair (a, p), the
 * nearest negative that is still farther from a than p is (d(a,n) > d(a,p)); when no negative is, the farthest
 * negative (the easiest one, so the pair contributes little). Ties go to the lowest index.
 */
import { TripletList, type TripletMiner } from './triplets.js';

export const mineSemiHard: TripletMiner = (labels, d2) => {
  const list = new TripletList();
  const n = labels.length;
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      const dap = d2[a * n + p];
      let semiHard = -1;
      let farthest = -1;
      for (let k = 0; k < n; k++) {
        if (labels[k] === labels[a]) continue;
        const dan = d2[a * n + k];
        if (dan > dap && (semiHard < 0 || dan < d2[a * n + semiHard])) semiHard = k;
        if (farthest < 0 || dan > d2[a * n + farthest]) farthest = k;
      }
      if (farthest >= 0) list.push(a, p, semiHard >= 0 ? semiHard : farthest);
    }
  }
  return list.toTriplets('all');
};
