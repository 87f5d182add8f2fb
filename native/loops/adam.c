/*
 * The Adam/AdamW update of one parameter: lib/optim/adam-kernel.ts's adamUpdate in C, the same
 * operations in the same order, rounding to float where the JS rounds (Math.fround), so the same bits.
 */
#include "loops.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

/* A double rounded to float and back (the casts below), two at a time. */
static inline v128_t round_f32(v128_t d) { return wasm_f64x2_promote_low_f32x4(wasm_f32x4_demote_f64x2_zero(d)); }

/*
 * adam_plain's body on two parameters, in doubles (pd: p, gd: g, ...). Why written out: clang 14
 * vectorises the loop but rounds each double to float lane by lane (no f32x4.demote_f64x2_zero),
 * which made it 2x slower. Same operations in the same order, so the same bits.
 */
static inline void adam_pair(v128_t pd, v128_t gd, v128_t md, v128_t vd, v128_t *po, v128_t *mo, v128_t *vo, v128_t beta1,
                             v128_t beta2, v128_t c1, v128_t c2, v128_t eps, v128_t stepSize, v128_t bc2Sqrt, v128_t decay) {
  v128_t pi = round_f32(wasm_f64x2_mul(pd, decay));
  v128_t mi = round_f32(wasm_f64x2_add(round_f32(wasm_f64x2_mul(md, beta1)), wasm_f64x2_mul(c1, gd)));
  v128_t vi = round_f32(wasm_f64x2_add(round_f32(wasm_f64x2_mul(vd, beta2)), wasm_f64x2_mul(wasm_f64x2_mul(c2, gd), gd)));
  v128_t den = wasm_f64x2_add(wasm_f64x2_div(wasm_f64x2_sqrt(vi), bc2Sqrt), eps);
  *po = wasm_f64x2_sub(pi, wasm_f64x2_div(wasm_f64x2_mul(stepSize, mi), den));
  *mo = mi;
  *vo = vi;
}

/* The low and high pairs of four floats as doubles; two pairs of doubles back to four floats. */
static inline v128_t lo_f64(v128_t x) { return wasm_f64x2_promote_low_f32x4(x); }
static inline v128_t hi_f64(v128_t x) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x, x, 2, 3, 2, 3)); }
static inline v128_t to_f32x4(v128_t lo, v128_t hi) {
  return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
}
#endif

/*
 * The loop without L2 and amsgrad (the lab's Adam and AdamW) on arrays that do not overlap: the
 * same operations as the general loop below (decay = 1 rounds to p itself), vectorised.
 */
LAB4_CLONES static void adam_plain(size_t n, const float *restrict p, const float *restrict g, const float *restrict m,
                                   const float *restrict v, float *restrict po, float *restrict mo, float *restrict vo,
                                   double beta1, double beta2, double eps, double stepSize, double bc2Sqrt, double decay) {
  size_t i = 0;
#if defined(__wasm_simd128__)
  const v128_t b1 = wasm_f64x2_splat(beta1), b2 = wasm_f64x2_splat(beta2), c1 = wasm_f64x2_splat(1 - beta1),
               c2 = wasm_f64x2_splat(1 - beta2), ep = wasm_f64x2_splat(eps), ss = wasm_f64x2_splat(stepSize),
               bc = wasm_f64x2_splat(bc2Sqrt), dc = wasm_f64x2_splat(decay);
  for (; i + 4 <= n; i += 4) {
    v128_t p4 = wasm_v128_load(p + i), g4 = wasm_v128_load(g + i), m4 = wasm_v128_load(m + i), v4 = wasm_v128_load(v + i);
    v128_t pl, ml, vl, ph, mh, vh;
    adam_pair(lo_f64(p4), lo_f64(g4), lo_f64(m4), lo_f64(v4), &pl, &ml, &vl, b1, b2, c1, c2, ep, ss, bc, dc);
    adam_pair(hi_f64(p4), hi_f64(g4), hi_f64(m4), hi_f64(v4), &ph, &mh, &vh, b1, b2, c1, c2, ep, ss, bc, dc);
    wasm_v128_store(po + i, to_f32x4(pl, ph));
    wasm_v128_store(mo + i, to_f32x4(ml, mh));
    wasm_v128_store(vo + i, to_f32x4(vl, vh));
  }
#endif
  for (; i < n; i++) {
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
