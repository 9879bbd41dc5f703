/**
 * Keeps the k highest-scoring items of a stream in O(n log k): a binary min-heap of size k whose root is the
 * weakest kept item, so most candidates are rejected by one comparison. Ties keep the earlier item.
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

  /** The score an item must beat to enter (−∞ until k items are held). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.scores[0];
  }

  push(id: number, score: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      // Sift up.
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.scores[parent] <= score) break;
        this.scores[i] = this.scores[parent];
        this.ids[i] = this.ids[parent];
        i = parent;
      }
      this.scores[i] = score;
      this.ids[i] = id;
    } else if (this.k > 0 && score > this.scores[0]) {
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
      const c = r < n && this.scores[r] < this.scores[l] ? r : l;
      if (this.scores[c] >= score) break;
      this.scores[i] = this.scores[c];
      this.ids[i] = this.ids[c];
      i = c;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  /** The kept items, best first (ties: lower id first). Does not change the heap. */
  sorted(): { id: number; score: number }[] {
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ id: this.ids[i], score: this.scores[i] });
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }
}
