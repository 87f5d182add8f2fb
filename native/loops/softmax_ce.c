/*
 * The paired softmax cross-entropy and its gradient: lib/nn/losses.ts's pairedSoftmaxCE in C, with
 * a vectorised float exp instead of JS's double one (agrees to float precision; see exp_nonpositive).
 */
#include "loops.h"

/*
 * Vectorised exp for the softmax. Why our own: libm's expf is scalar (and the wasm module has no
 * libm); compilers vectorise this polynomial (Cephes' expf: relative error <= 2e-7, about 1 ulp, as
 * PyTorch's vectorised exp) but never a libm call without -ffast-math, which we do not use.
 * x <= 0 only (logit minus its row's maximum). Below -87.34 the true value is under FLT_MIN
 * (subnormal): 0 is returned, a difference of < 1.2e-38 in a probability.
 */
static inline float exp_nonpositive(float x) {
  const float lo = -87.3365479f;
  float xc = x < lo ? lo : x;
  float t = xc * 1.44269504088896341f;
  float n = (t + 12582912.0f) - 12582912.0f; /* round to nearest: |t| < 2^22 */
  float r = xc - n * 0.693359375f;            /* ln 2 in two parts (Cody-Waite) */
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = (p * r) * r + r + 1.0f;
  int32_t bits = ((int32_t)n + 127) << 23; /* 2^n, n in [-126, 0] */
  float scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  float v = y * scale;
  return x < lo ? 0.0f : v;
}

/*
 * Maximum of z[0..n), n >= 1. On the bit patterns as integers, mapped so that their order is the
 * floats' order: compilers vectorise an integer max, not a float one (without -ffinite-math-only).
 * NaN and infinities need no care here: they make z[k] - max NaN for some k, so the sum and the
 * loss are NaN, as with expf (-Infinity alone gives exp 0, also as expf).
 */
LAB4_CLONES static float row_max(const float *z, int64_t n) {
  int32_t kmax = INT32_MIN;
  for (int64_t k = 0; k < n; k++) {
    int32_t b;
    __builtin_memcpy(&b, &z[k], sizeof b);
    int32_t key = b ^ ((b >> 31) & 0x7fffffff);
    kmax = key > kmax ? key : kmax;
  }
  int32_t b = kmax ^ ((kmax >> 31) & 0x7fffffff); /* the mapping is its own inverse */
  float mx;
  __builtin_memcpy(&mx, &b, sizeof mx);
  return mx;
}

/* e[k] = exp(z[k] - mx) for k < n (mx >= every z[k]); returns the sum, accumulated in double. */
LAB4_CLONES static double exp_shifted_sum(const float *z, float mx, float *e, int64_t n) {
  for (int64_t k = 0; k < n; k++) e[k] = exp_nonpositive(z[k] - mx);
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; j++) acc[j] += e[k + j];
  for (; k < n; k++) acc[0] += e[k];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* cnt[u] = the number of pairs i < B with rows[i] = u, for u < U (as doubles: exact). */
static void lab4_ce_count(int64_t U, const int32_t *rows, size_t B, double *cnt) {
  for (int64_t u = 0; u < U; u++) cnt[u] = 0;
  for (size_t i = 0; i < B; i++) cnt[rows[i]] += 1;
}

/*
 * Rows u < U of z (C columns; rows apart, so callers may split them): lse[u] for each row with
 * pairs (cnt[u] > 0), and unless grad is NULL its row of the gradient's softmax part,
 * softmax(z[u]) * cnt[u] / B (zeros for a row without pairs). tmp: C floats, used when grad is NULL.
 */
static void lab4_ce_rows(int64_t U, const float *z, int64_t C, size_t B, float *grad, const double *cnt, double *lse, float *tmp) {
  for (int64_t u = 0; u < U; u++) {
    const float *zr = z + u * C;
    float *gr = grad ? grad + u * C : NULL;
    if (cnt[u] == 0) {
      if (gr) __builtin_memset(gr, 0, (size_t)C * sizeof(float));
      continue;
    }
    float mx = row_max(zr, C);
    double s = exp_shifted_sum(zr, mx, gr ? gr : tmp, C);
    lse[u] = mx + LAB4_LOG(s);
    if (gr) {
      float scale = (float)(cnt[u] / ((double)B * s));
      for (int64_t k = 0; k < C; k++) gr[k] *= scale;
    }
  }
}

/* The mean of lse[rows[i]] - z[rows[i], targets[i]] over i < B, in order; grad (unless NULL) -= 1/B there. */
static double lab4_ce_loss(const float *z, int64_t C, const int32_t *rows, const int32_t *targets, size_t B, float *grad,
                           const double *lse) {
  double loss = 0;
  for (size_t i = 0; i < B; i++) {
    size_t k = (size_t)rows[i] * (size_t)C + (size_t)targets[i];
    loss += lse[rows[i]] - z[k];
    if (grad) grad[k] -= (float)(1.0 / (double)B);
  }
  return B > 0 ? loss / (double)B : __builtin_nan("");
}

/*
 * The mean over pairs i < B of -log softmax(z[rows[i]])[targets[i]] (z: U x C row-major; indices
 * already checked to be in range), and its gradient into grad (U x C, fully overwritten) unless
 * grad is NULL. Scratch: cnt and lse, U doubles each; tmp, C floats (used only when grad is NULL).
 */
static double lab4_paired_softmax_ce(const float *z, int64_t U, int64_t C, const int32_t *rows, const int32_t *targets, size_t B,
                                     float *grad, double *cnt, double *lse, float *tmp) {
  lab4_ce_count(U, rows, B, cnt);
  lab4_ce_rows(U, z, C, B, grad, cnt, lse, tmp);
  return lab4_ce_loss(z, C, rows, targets, B, grad, lse);
}
