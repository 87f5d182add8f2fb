/*
 * The Adam/AdamW update of one parameter: lib/optim/adam-kernel.ts's adamUpdate in C, the same
 * operations in the same order, rounding to float where the JS rounds (Math.fround), so the same bits.
 */
#include "loops.h"

/*
 * The loop without L2 and amsgrad (the lab's Adam and AdamW) on arrays that do not overlap: the
 * same operations as the general loop below (decay = 1 rounds to p itself), vectorised.
 */
LAB4_CLONES static void adam_plain(size_t n, const float *restrict p, const float *restrict g, const float *restrict m,
                                   const float *restrict v, float *restrict po, float *restrict mo, float *restrict vo,
                                   double beta1, double beta2, double eps, double stepSize, double bc2Sqrt, double decay) {
  for (size_t i = 0; i < n; i++) {
    double pi = (float)((double)p[i] * decay);
    double gi = g[i];
    float mi = (float)((double)(float)((double)m[i] * beta1) + (1 - beta1) * gi);
    float vi = (float)((double)(float)((double)v[i] * beta2) + (1 - beta2) * gi * gi);
    mo[i] = mi;
    vo[i] = vi;
    po[i] = (float)(pi - (stepSize * mi) / (__builtin_sqrt((double)vi) / bc2Sqrt + eps));
  }
}

static int lab4_overlaps(const float *a, const float *b, size_t n) {
  return (uintptr_t)a < (uintptr_t)(b + n) && (uintptr_t)b < (uintptr_t)(a + n);
}

/*
 * n parameters: p, g, m, v in; po, mo, vo out; vmax in and vmo out both NULL unless amsgrad.
 * decay = 1 - lr * weightDecay for AdamW (else 1); l2 = weightDecay for Adam's L2 (else 0).
 */
static void lab4_adam(size_t n, const float *p, const float *g, const float *m, const float *v, const float *vmax, float *po,
                      float *mo, float *vo, float *vmo, double beta1, double beta2, double eps, double stepSize, double bc2Sqrt,
                      double decay, double l2) {
  const float *ins[4] = {p, g, m, v};
  float *outs[3] = {po, mo, vo};
  int disjoint = 1;
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 3; b++) disjoint &= !lab4_overlaps(ins[a], outs[b], n);
  disjoint &= !lab4_overlaps(po, mo, n) && !lab4_overlaps(po, vo, n) && !lab4_overlaps(mo, vo, n);
  if (l2 == 0 && !vmax && disjoint) {
    adam_plain(n, p, g, m, v, po, mo, vo, beta1, beta2, eps, stepSize, bc2Sqrt, decay);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    double pi = p[i];
    double gi = l2 != 0 ? (double)g[i] + l2 * pi : (double)g[i];
    if (decay != 1) pi = (float)(pi * decay);
    float mi = (float)((double)(float)((double)m[i] * beta1) + (1 - beta1) * gi);
    float vi = (float)((double)(float)((double)v[i] * beta2) + (1 - beta2) * gi * gi);
    double vUse = vi;
    if (vmo) {
      float vm = vmax[i] > vi ? vmax[i] : vi;
      vmo[i] = vm;
      vUse = vm;
    }
    mo[i] = mi;
    vo[i] = vi;
    po[i] = (float)(pi - (stepSize * mi) / (__builtin_sqrt(vUse) / bc2Sqrt + eps));
  }
}
