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
