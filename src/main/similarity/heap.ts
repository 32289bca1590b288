/**
 * The one binary heap of the similarity code: a heap of small integers (row numbers, slots)
 * ordered by a comparison over keys kept outside it, so a caller can change an item's key while
 * the item is out of the heap. `TopK` (the k best rows of a scan) and the lazy MMR queue of
 * queue arranging are both built on it.
 */

/** `above(a, b)`: item a belongs nearer the top than item b (strictly; ties stay where they are). */
export type Above = (a: number, b: number) => boolean;

export class IntHeap {
  private readonly items: number[] = [];

  constructor(private readonly above: Above) {}

  get size(): number {
    return this.items.length;
  }

  /** The top item (undefined when empty). */
  peek(): number | undefined {
    return this.items[0];
  }

  push(item: number): void {
    const h = this.items;
    let i = h.length;
    h.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(item, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = item;
  }

  /** Removes and returns the top item (undefined when empty). */
  pop(): number | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (last !== undefined && h.length > 0) this.siftDown(last);
    return top;
  }

  /** The top item's key has changed (only ever away from the top): moves it to its place. */
  updateTop(): void {
    const h = this.items;
    if (h.length > 1) this.siftDown(h[0]);
  }

  private siftDown(item: number): void {
    const h = this.items;
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.above(h[r], h[l]) ? r : l;
      if (!this.above(h[c], item)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = item;
  }
}

/**
 * Keeps the k best (highest score) items seen: a bounded min-heap of slots, the worst kept on top.
 * `push` is O(log k) and does nothing when the score cannot enter.
 */
export class TopK {
  /** Kept scores and ids by slot; slots [0, size) are in use, in no particular order. */
  readonly scores: Float64Array;
  readonly ids: Int32Array;
  private readonly heap: IntHeap;

  constructor(readonly k: number) {
    this.scores = new Float64Array(Math.max(1, k));
    this.ids = new Int32Array(Math.max(1, k));
    const scores = this.scores;
    this.heap = new IntHeap((a, b) => scores[a] < scores[b]);
  }

  get size(): number {
    return this.heap.size;
  }

  /** Lowest score currently kept (−Infinity until full). */
  get floor(): number {
    return this.heap.size < this.k ? -Infinity : this.scores[this.heap.peek() as number];
  }

  push(id: number, score: number): void {
    if (this.k <= 0) return;
    const size = this.heap.size;
    if (size < this.k) {
      this.scores[size] = score;
      this.ids[size] = id;
      this.heap.push(size);
      return;
    }
    const worst = this.heap.peek() as number;
    if (score <= this.scores[worst]) return;
    this.scores[worst] = score;
    this.ids[worst] = id;
    this.heap.updateTop();
  }

  /** Items best first. */
  sorted(): { id: number; score: number }[] {
    const out: { id: number; score: number }[] = [];
    for (let slot = 0; slot < this.heap.size; slot++)
      out.push({ id: this.ids[slot], score: this.scores[slot] });
    out.sort((a, b) => b.score - a.score || a.id - b.id);
    return out;
  }
}
