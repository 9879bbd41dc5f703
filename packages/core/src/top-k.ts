/**
 * Keeps the k highest-scoring items of a stream in O(n log k): a binary min-heap of size k whose root is the
 * weakest kept item, so most candidates are rejected by one comparison. Items are ordered by score, then by id
 * (among equal scores the lower id ranks first), so which items are kept never depends on k or on push order.
 */
export class TopK {
  readonly k: number;
  private readonly scores: Float64Array;
  private readonly ids: Int32Array;
  private size = 0;

  constructor(k: number) {
    this.k = Math.max(0, Math.floor(k));
    this.scores = new Float64Array(this.k);
    this.ids = new Int32Array(this.k);
  }

  get length(): number {
    return this.size;
  }

  /** The score an item must reach to enter (−∞ until k items are held; at equal score, only a lower id enters). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.scores[0];
  }

  push(id: number, score: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      // Sift up.
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (ranksBelow(this.scores[parent], this.ids[parent], score, id)) break;
        this.scores[i] = this.scores[parent];
        this.ids[i] = this.ids[parent];
        i = parent;
      }
      this.scores[i] = score;
      this.ids[i] = id;
    } else if (this.k > 0 && ranksBelow(this.scores[0], this.ids[0], score, id)) {
      this.replaceRoot(id, score);
    }
  }

  private replaceRoot(id: number, score: number): void {
    const n = this.size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && ranksBelow(this.scores[r], this.ids[r], this.scores[l], this.ids[l]) ? r : l;
      if (ranksBelow(score, id, this.scores[c], this.ids[c])) break;
      this.scores[i] = this.scores[c];
      this.ids[i] = this.ids[c];
      i = c;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  /** Empties the heap for reuse (same k), so a hot loop need not allocate a new one per query. */
  clear(): void {
    this.size = 0;
  }

  /**
   * Orders the kept items in place, without allocating for a small k; then {@link idAt} / {@link scoreAt} read them
   * best first. They are stored worst first, and an array in ascending score order is still a valid min-heap, so
   * pushing afterwards stays correct.
   */
  sortInPlace(): void {
    const { ids, scores } = this;
    const n = this.size;
    if (n > INSERTION_SORT_MAX) {
      // Large k keeps the O(k log k) sort (Array.prototype.sort allocates a work array; a handful of items need not).
      const best = Array.from({ length: n }, (_, i) => ({ id: ids[i], score: scores[i] })).sort(bestFirst);
      for (let i = 0; i < n; i++) {
        ids[n - 1 - i] = best[i].id;
        scores[n - 1 - i] = best[i].score;
      }
      return;
    }
    for (let i = 1; i < n; i++) {
      const id = ids[i];
      const score = scores[i];
      let j = i - 1;
      // Worst first: lower score first, and among equal scores the higher id (it ranks after the lower one).
      for (; j >= 0 && (scores[j] > score || (scores[j] === score && ids[j] < id)); j--) {
        ids[j + 1] = ids[j];
        scores[j + 1] = scores[j];
      }
      ids[j + 1] = id;
      scores[j + 1] = score;
    }
  }

  /** The id of the `rank`-th best item (0 = best), once {@link sortInPlace} has run. */
  idAt(rank: number): number {
    return this.ids[this.size - 1 - rank];
  }

  /** The score of the `rank`-th best item (0 = best), once {@link sortInPlace} has run. */
  scoreAt(rank: number): number {
    return this.scores[this.size - 1 - rank];
  }

  /** The kept items, best first (ties: lower id first). Keeps the same items (ordered in place, still a valid heap). */
  sorted(): { id: number; score: number }[] {
    this.sortInPlace();
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ id: this.idAt(i), score: this.scoreAt(i) });
    return out;
  }
}

const INSERTION_SORT_MAX = 32;

/** Whether item a (score, id) ranks below item b: a lower score, or the same score and a higher id. */
function ranksBelow(scoreA: number, idA: number, scoreB: number, idB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && idA > idB);
}

/** Comparator for best-first order: higher score first, then lower id. */
function bestFirst(a: { id: number; score: number }, b: { id: number; score: number }): number {
  return b.score - a.score || a.id - b.id;
}
