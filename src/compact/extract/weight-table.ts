/**
 * Serving weights of one field: only the non-zero entries of the hashed weight vector, in an open-addressing table.
 * Training needs the dense vector (2^18 floats, 1 MB per field), but four dense vectors read at random addresses miss the
 * CPU caches on every feature; the ~5k non-zero weights of a field fit in a table of 64 KB, which stays in L2. A missing
 * entry reads as 0, so scoring is exactly the dense dot product.
 */

const EMPTY = -1;

export class WeightTable {
  /** Hashed feature index per slot, EMPTY when free. */
  private readonly slots: Int32Array;
  private readonly values: Float32Array;
  private readonly slotMask: number;
  /** The hashed feature space: index = hash & dimensionMask. */
  readonly dimension: number;
  private readonly dimensionMask: number;
  readonly size: number;

  private constructor(indices: ArrayLike<number>, values: ArrayLike<number>, dimension: number) {
    // Load factor <= 0.5 keeps probe runs short.
    let capacity = 16;
    while (capacity < indices.length * 2) capacity *= 2;
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.values = new Float32Array(capacity);
    this.slotMask = capacity - 1;
    this.dimension = dimension;
    this.dimensionMask = dimension - 1;
    this.size = indices.length;
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i] as number;
      let slot = index & this.slotMask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.slotMask;
      this.slots[slot] = index;
      this.values[slot] = values[i] as number;
    }
  }

  static fromDense(weights: Float32Array): WeightTable {
    const indices: number[] = [];
    const values: number[] = [];
    weights.forEach((w, index) => {
      if (w !== 0) {
        indices.push(index);
        values.push(w);
      }
    });
    return new WeightTable(indices, values, weights.length);
  }

  /** From (index, value) pairs, e.g. a model file's tensors. Indices must be distinct and < dimension. */
  static fromEntries(indices: ArrayLike<number>, values: ArrayLike<number>, dimension: number): WeightTable {
    return new WeightTable(indices, values, dimension);
  }

  /** The weight of a feature, from its full 32-bit hash. */
  get(hash: number): number {
    const index = hash & this.dimensionMask;
    // Hashed indices are already uniformly mixed: their low bits are a good slot.
    let slot = index & this.slotMask;
    for (;;) {
      const at = this.slots[slot] as number;
      if (at === index) return this.values[slot] as number;
      if (at === EMPTY) return 0;
      slot = (slot + 1) & this.slotMask;
    }
  }

  /** The non-zero entries, ascending by index (for the model file). */
  entries(): { indices: Uint32Array; values: Float32Array } {
    const order: number[] = [];
    this.slots.forEach((index, slot) => {
      if (index !== EMPTY) order.push(slot);
    });
    order.sort((a, b) => (this.slots[a] as number) - (this.slots[b] as number));
    return { indices: Uint32Array.from(order, (slot) => this.slots[slot] as number), values: Float32Array.from(order, (slot) => this.values[slot] as number) };
  }
}
