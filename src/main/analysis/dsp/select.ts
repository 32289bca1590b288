/**
 * Order statistics without a full sort: `selectKth` reorders a[lo, hi) so that a[k] holds the value
 * a sort would put there, with nothing larger before it and nothing smaller after it (quickselect,
 * median-of-three pivots, insertion sort below 16 elements; expected O(n)). Per-frame kernels need
 * one threshold or the sums of the smallest and largest few values of a band, where sorting (a
 * typed-array sort per band per frame) was the larger part of their cost. Values must not be NaN.
 */
export function selectKth(a: Float64Array, k: number, lo = 0, hi = a.length): number {
  if (!(k >= lo && k < hi)) throw new Error(`selectKth: k ${k} outside [${lo}, ${hi})`);
  let l = lo;
  let r = hi - 1;
  while (r - l >= 16) {
    // Median of three into a[l] … a[r], pivot at the middle.
    const m = (l + r) >> 1;
    if (a[m] < a[l]) swap(a, m, l);
    if (a[r] < a[l]) swap(a, r, l);
    if (a[r] < a[m]) swap(a, r, m);
    const pivot = a[m];
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // Now a[l … j] ≤ pivot ≤ a[i … r] and everything strictly between j and i equals the pivot.
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return a[k];
  }
  for (let i = l + 1; i <= r; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= l && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
