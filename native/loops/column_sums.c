/*
 * Column sums of a row-major [rows, cols] float matrix, columns [j0, j1): lib/engine/kernels/
 * column-sums.ts's wasm loop in C, the same float32 running sum from +0 down each column (as
 * tfjs-backend-wasm's Sum), so the same bits. Columns are independent: they can be split among threads.
 */
#include "loops.h"

LAB4_CLONES static void lab4_column_sums(const float *x, int64_t rows, int64_t cols, int64_t j0, int64_t j1, float *out) {
  for (int64_t j = j0; j < j1; j++) out[j] = 0.0f;
  for (int64_t i = 0; i < rows; i++) {
    const float *r = x + i * cols;
    for (int64_t j = j0; j < j1; j++) out[j] += r[j];
  }
}
