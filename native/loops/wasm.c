/*
 * The WebAssembly build of the loops (scripts/build-wasm.js): exports that take byte offsets into
 * the memory it imports (tfjs-wasm's heap), so tensors are read and written in place. It writes
 * only the buffers it is given: no data, no stack, no globals (test/engine/wasm-loops.test.ts
 * reads the binary to check).
 */
__attribute__((import_module("env"), import_name("log"))) double lab4_js_log(double);
#define LAB4_LOG lab4_js_log
#include "adam.c"
#include "softmax_ce.c"

#define EXPORT(name) __attribute__((export_name(#name)))

/* See lab4_adam (adam.c); vmax and vmo are 0 unless amsgrad. */
EXPORT(adam)
void wasm_adam(uint32_t n, const float *p, const float *g, const float *m, const float *v, const float *vmax, float *po, float *mo,
               float *vo, float *vmo, double beta1, double beta2, double eps, double stepSize, double bc2Sqrt, double decay, double l2) {
  lab4_adam(n, p, g, m, v, vmax, po, mo, vo, vmo, beta1, beta2, eps, stepSize, bc2Sqrt, decay, l2);
}

/* See lab4_paired_softmax_ce (softmax_ce.c); grad is 0 for none. */
EXPORT(pairedSoftmaxCE)
double wasm_paired_softmax_ce(const float *z, uint32_t U, uint32_t C, const int32_t *rows, const int32_t *targets, uint32_t B,
                              float *grad, double *cnt, double *lse, float *tmp) {
  return lab4_paired_softmax_ce(z, U, C, rows, targets, B, grad, cnt, lse, tmp);
}

/* The three passes of pairedSoftmaxCE apart (softmax_ce.c), so that threads can share the rows. */
EXPORT(ceCount)
void wasm_ce_count(uint32_t U, const int32_t *rows, uint32_t B, double *cnt) { lab4_ce_count(U, rows, B, cnt); }

EXPORT(ceRows)
void wasm_ce_rows(uint32_t U, const float *z, uint32_t C, uint32_t B, float *grad, const double *cnt, double *lse, float *tmp) {
  lab4_ce_rows(U, z, C, B, grad, cnt, lse, tmp);
}

EXPORT(ceLoss)
double wasm_ce_loss(const float *z, uint32_t C, const int32_t *rows, const int32_t *targets, uint32_t B, float *grad,
                    const double *lse) {
  return lab4_ce_loss(z, C, rows, targets, B, grad, lse);
}

#include "lstm_cell.c"
#include "column_sums.c"

/* The LSTM step's loops (lstm_cell.c) on B rows; the caller offsets the pointers to a block of rows. */
EXPORT(lstmFwdCell)
void wasm_lstm_fwd_cell(uint32_t B, uint32_t H, const float *s, const float *cPrev, float *c, float *c2) {
  lab4_lstm_fwd_cell(0, B, H, s, cPrev, c, c2);
}

EXPORT(lstmFwdOut)
void wasm_lstm_fwd_out(uint32_t B, uint32_t H, const float *s, const float *u, float *h, float *tc) {
  lab4_lstm_fwd_out(0, B, H, s, u, h, tc);
}

/* dA, mask, dhRec, dcRec: 0 for none. */
EXPORT(lstmBwdCell)
void wasm_lstm_bwd_cell(uint32_t B, uint32_t H, const float *s, const float *cPrev, const float *tc, const float *dA, uint32_t dAStride,
                        const float *mask, const float *dhRec, uint32_t rStride, const float *dcRec, float *dG, float *dcPrev) {
  lab4_lstm_bwd_cell(0, B, H, s, cPrev, tc, dA, dAStride, mask, dhRec, rStride, dcRec, dG, dcPrev);
}

/* Column sums of n columns of x [rows, stride] (the caller offsets x and out to a block of columns). */
EXPORT(columnSums)
void wasm_column_sums(uint32_t n, const float *x, uint32_t rows, uint32_t stride, float *out) {
  lab4_column_sums(x, rows, stride, 0, n, out);
}
