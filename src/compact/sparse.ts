/**
 * Sparse vectors and CSR matrices: the shapes featurized text takes. Text rows have a few hundred non-zeros out of ~10^5
 * columns, so dense rows would waste both memory and the optimizer's time.
 */

/** A reusable sparse vector: entries [0, nnz) of indices/values are valid. */
export interface SparseVector {
  nnz: number;
  indices: Int32Array;
  values: Float32Array;
}

/** Compressed sparse rows: row i is indices/values[indptr[i] .. indptr[i+1]). */
export interface CsrMatrix {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export function createSparseVector(capacity = 256): SparseVector {
  return { nnz: 0, indices: new Int32Array(capacity), values: new Float32Array(capacity) };
}

/** Makes room for `capacity` entries, keeping nothing (the caller rewrites the vector). */
export function ensureSparseCapacity(vector: SparseVector, capacity: number): void {
  if (vector.indices.length >= capacity) return;
  const size = Math.max(capacity, vector.indices.length * 2);
  vector.indices = new Int32Array(size);
  vector.values = new Float32Array(size);
}

/** Builds a CSR matrix row by row without knowing the total size in advance. */
export class CsrBuilder {
  private indices = new Int32Array(4096);
  private values = new Float32Array(4096);
  private nnz = 0;
  private readonly indptr: number[] = [0];

  constructor(private readonly cols: number) {}

  push(row: SparseVector): void {
    const needed = this.nnz + row.nnz;
    if (needed > this.indices.length) {
      const size = Math.max(needed, this.indices.length * 2);
      const indices = new Int32Array(size);
      indices.set(this.indices.subarray(0, this.nnz));
      const values = new Float32Array(size);
      values.set(this.values.subarray(0, this.nnz));
      this.indices = indices;
      this.values = values;
    }
    this.indices.set(row.indices.subarray(0, row.nnz), this.nnz);
    this.values.set(row.values.subarray(0, row.nnz), this.nnz);
    this.nnz = needed;
    this.indptr.push(needed);
  }

  build(): CsrMatrix {
    return {
      rows: this.indptr.length - 1,
      cols: this.cols,
      indptr: Int32Array.from(this.indptr),
      indices: this.indices.slice(0, this.nnz),
      values: this.values.slice(0, this.nnz),
    };
  }
}

/** The rows `which` of a CSR matrix, in that order. */
export function selectRows(matrix: CsrMatrix, which: ArrayLike<number>): CsrMatrix {
  let nnz = 0;
  for (let k = 0; k < which.length; k++) {
    const r = which[k] as number;
    nnz += (matrix.indptr[r + 1] as number) - (matrix.indptr[r] as number);
  }
  const indptr = new Int32Array(which.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let at = 0;
  for (let k = 0; k < which.length; k++) {
    const r = which[k] as number;
    const start = matrix.indptr[r] as number;
    const end = matrix.indptr[r + 1] as number;
    indices.set(matrix.indices.subarray(start, end), at);
    values.set(matrix.values.subarray(start, end), at);
    at += end - start;
    indptr[k + 1] = at;
  }
  return { rows: which.length, cols: matrix.cols, indptr, indices, values };
}
