import { describe, expect, it } from 'vitest';
import { IntHeap, TopK } from '../../../src/main/similarity/heap';
import { rng } from '../../../src/main/similarity/vectors';

describe('IntHeap', () => {
  it('pops items in the order its comparison gives, ties by the tie-break', () => {
    const r = rng(11);
    // Few distinct keys, so ties are common.
    const key = Float64Array.from({ length: 300 }, () => Math.floor(r() * 20));
    const heap = new IntHeap((a, b) => key[a] > key[b] || (key[a] === key[b] && a < b));
    for (let i = 0; i < key.length; i++) heap.push(i);
    const popped: number[] = [];
    while (heap.size > 0) popped.push(heap.pop()!);
    const expected = Array.from(key, (_, i) => i).sort((a, b) => key[b] - key[a] || a - b);
    expect(popped).toEqual(expected);
    expect(heap.pop()).toBeUndefined();
  });

  it('keeps its order when a key changes while the item is out, and when the top key drops', () => {
    const key = new Float64Array([5, 4, 3, 2, 1]);
    const heap = new IntHeap((a, b) => key[a] > key[b]);
    for (let i = 0; i < key.length; i++) heap.push(i);
    const top = heap.pop()!;
    key[top] = 0; // lazy re-scoring: out, re-keyed, back in
    heap.push(top);
    expect(heap.peek()).toBe(1);
    key[1] = -1;
    heap.updateTop();
    const order: number[] = [];
    while (heap.size > 0) order.push(heap.pop()!);
    expect(order).toEqual([2, 3, 4, 0, 1]);
  });
});

describe('TopK', () => {
  it('keeps the k best with their ids, refusing scores at or below its floor once full', () => {
    const top = new TopK(3);
    expect(top.floor).toBe(-Infinity);
    [0.5, 0.1, 0.9, 0.3, 0.7, 0.5].forEach((s, i) => top.push(i, s));
    expect(top.sorted()).toEqual([
      { id: 2, score: 0.9 },
      { id: 4, score: 0.7 },
      { id: 0, score: 0.5 },
    ]);
    expect(top.floor).toBe(0.5);
    expect(top.size).toBe(3);
  });

  it('keeps nothing with k = 0', () => {
    const top = new TopK(0);
    top.push(1, 1);
    expect(top.sorted()).toEqual([]);
  });
});
