/*
 * lab4_sgemm: OpenBLAS's single-precision GEMM for Node, on Float32Arrays that may be views of
 * the tfjs wasm heap (no copies).
 *
 * Why: a Seq2Seq training step is ~85% matrix products. WebAssembly SIMD is 128-bit without FMA
 * and tfjs runs it on one thread (~28 GFLOP/s measured here), while OpenBLAS uses AVX2/AVX-512
 * and both cores. tfjs-node (TensorFlow's own kernels) cannot be installed offline. This binding
 * is the thin part we own; the GEMM is OpenBLAS (Debian's libopenblas).
 *
 * sgemm(a, b, c, m, n, k, transA, transB, beta): c[m,n] = op(a)[m,k] . op(b)[k,n] + beta*c,
 * row-major, op(x) = x or its transpose as stored. Sizes are checked against the arrays so a
 * caller's mistake throws instead of writing outside them. The bits do not depend on the thread
 * count (setThreads): the binding threads a product itself, OpenBLAS runs on one thread (see plan).
 *
 * Two more loops of a training step live here because JS runs them 3-4x slower than C and they
 * touch every parameter / every logit (measured in bench/seq2seq.ts --profile): the Adam update
 * (lib/optim/adam.ts: same arithmetic, rounding where the JS version rounds, so results are
 * identical) and the softmax cross-entropy with its gradient (lib/nn/losses.ts; a vectorised float
 * exp instead of a double one: agrees to float precision).
 */
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <math.h>
#include <pthread.h>

/* openblas_* are OpenBLAS extensions, declared in its cblas.h. */

/* One build per instruction set, picked when the module loads (GCC function multi-versioning).
 * binding.gyp sets -ffp-contract=off: no clone fuses a*b+c, so every clone rounds like the JS loops. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LAB4_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LAB4_CLONES
#endif

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "lab4_sgemm: N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/* A typed array of the expected element type: its data pointer and length, or a TypeError naming it. */
static int get_typed(napi_env env, napi_value v, napi_typedarray_type want, const char *kind, void **data, size_t *len,
                     const char *name) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  napi_value ab;
  size_t off;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, len, &ptr, &ab, &off) != napi_ok || type != want) {
    char msg[96];
    snprintf(msg, sizeof msg, "lab4_sgemm: %s must be %s", name, kind);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  *data = ptr;
  return 1;
}

static int get_f32(napi_env env, napi_value v, float **data, size_t *len, const char *name) {
  return get_typed(env, v, napi_float32_array, "a Float32Array", (void **)data, len, name);
}

static int get_dim(napi_env env, napi_value v, int64_t *out, const char *name) {
  if (napi_get_value_int64(env, v, out) != napi_ok || *out < 0 || *out > INT32_MAX) {
    char msg[96];
    snprintf(msg, sizeof msg, "lab4_sgemm: %s must be an integer in [0, 2^31)", name);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/*
 * Results must not depend on the thread count, and OpenBLAS's threading cannot promise that: an
 * element's rounding depends on where it falls in the micro-kernel's tiles (the Haswell sgemm
 * kernel sums some tiles in one chain, others in two chains added at the end; its tiles are laid
 * out in 12-column groups and from the ends of each block of rows) and in the K blocks, and OpenBLAS
 * lays tiles and blocks out from each thread's share of the product. Cutting per thread count at
 * "safe" multiples is not enough for that reason. So OpenBLAS runs on one thread and the binding
 * does the threading: a product is cut into strips of C that depend only on its shape, each strip
 * is one single-threaded cblas_sgemm, and the threads only decide who computes which strip. Every
 * element then comes from the same call with the same arguments whatever the thread count, and K
 * needs no slicing (a single-threaded call's K blocks depend on k alone). Strip edges are multiples
 * of 64 for speed only (whole micro-tiles). Idle threads sleep on a condition variable.
 */
#define PART_ALIGN 64
#ifndef PART_MIN
#define PART_MIN 256 /* least rows (columns) in a strip: each strip packs the whole other operand */
#endif
#ifndef PARTS_MAX
#define PARTS_MAX 4
#endif
#ifndef SPLIT_MIN_WORK
#define SPLIT_MIN_WORK (1 << 22) /* m*n*k below which a product stays whole */
#endif
#define THREADS_MAX 64

typedef struct {
  const float *a, *b;
  float *c;
  int64_t m, n, k;
  bool ta, tb, by_rows;
  float beta;
  int64_t step; /* rows (by_rows) or columns in a strip; the last may be shorter */
  int parts, helpers;
} gemm_job;

/* The strips of a product: a function of m, n and k only, never of the thread count. */
static void plan(gemm_job *j) {
  j->by_rows = j->m >= j->n;
  int64_t side = j->by_rows ? j->m : j->n, parts = 1;
  if ((double)j->m * (double)j->n * (double)j->k >= SPLIT_MIN_WORK) parts = side / PART_MIN;
  if (parts > PARTS_MAX) parts = PARTS_MAX;
  if (parts < 1) parts = 1;
  int64_t step = (side + parts - 1) / parts;
  if (parts > 1) step = (step + PART_ALIGN - 1) / PART_ALIGN * PART_ALIGN;
  j->step = step;
  j->parts = (int)((side + step - 1) / step);
}

static void run_part(const gemm_job *j, int p) {
  int64_t s = p * j->step, m = j->m, n = j->n;
  const float *a = j->a, *b = j->b;
  float *c = j->c;
  if (j->by_rows) {
    m = m - s < j->step ? m - s : j->step;
    a += j->ta ? s : s * j->k; /* op(a)[s:s+m, :] */
    c += s * j->n;
  } else {
    n = n - s < j->step ? n - s : j->step;
    b += j->tb ? s * j->k : s; /* op(b)[:, s:s+n] */
    c += s;
  }
  cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans, j->tb ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n,
              (blasint)j->k, 1.0f, a, j->ta ? (blasint)j->m : (blasint)j->k, b, j->tb ? (blasint)j->k : (blasint)j->n,
              j->beta, c, (blasint)j->n);
}

/* The pool: the calling thread and up to THREADS_MAX - 1 workers, started when first needed. */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER; /* workers: a job is posted */
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER; /* caller: its last part is done */
static const gemm_job *pool_job;                            /* the posted job, or NULL */
static int pool_next, pool_finished, pool_workers;
static int pool_threads = 1; /* the setting (threads()), the calling thread included */

static void *pool_worker(void *arg) {
  int id = (int)(intptr_t)arg; /* 1, 2, ... */
  pthread_mutex_lock(&pool_mu);
  for (;;) {
    while (!pool_job || pool_next >= pool_job->parts || id > pool_job->helpers) pthread_cond_wait(&pool_wake, &pool_mu);
    const gemm_job *j = pool_job;
    int p = pool_next++;
    pthread_mutex_unlock(&pool_mu);
    run_part(j, p);
    pthread_mutex_lock(&pool_mu);
    if (++pool_finished == j->parts) pthread_cond_signal(&pool_done);
  }
  return NULL;
}

static void run_job(gemm_job *j, int threads) {
  int want = (threads < j->parts ? threads : j->parts) - 1;
  pthread_mutex_lock(&pool_mu);
  /* Another caller's job in flight (Node worker threads): compute this one here, same parts. */
  if (want <= 0 || pool_job) {
    pthread_mutex_unlock(&pool_mu);
    for (int p = 0; p < j->parts; p++) run_part(j, p);
    return;
  }
  while (pool_workers < want) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int failed = pthread_create(&t, &attr, pool_worker, (void *)(intptr_t)(pool_workers + 1));
    pthread_attr_destroy(&attr);
    if (failed) break;
    pool_workers++;
  }
  j->helpers = want < pool_workers ? want : pool_workers;
  pool_job = j;
  pool_next = pool_finished = 0;
  pthread_cond_broadcast(&pool_wake);
  while (pool_next < j->parts) {
    int p = pool_next++;
    pthread_mutex_unlock(&pool_mu);
    run_part(j, p);
    pthread_mutex_lock(&pool_mu);
    pool_finished++;
  }
  while (pool_finished < j->parts) pthread_cond_wait(&pool_done, &pool_mu);
  pool_job = NULL;
  pthread_mutex_unlock(&pool_mu);
}

static napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) {
    napi_throw_type_error(env, NULL, "lab4_sgemm: sgemm(a, b, c, m, n, k, transA, transB[, beta])");
    return NULL;
  }
  float *a, *b, *c;
  size_t la, lb, lc;
  int64_t m, n, k;
  bool ta = false, tb = false;
  double beta = 0.0;
  if (!get_f32(env, argv[0], &a, &la, "a") || !get_f32(env, argv[1], &b, &lb, "b") || !get_f32(env, argv[2], &c, &lc, "c"))
    return NULL;
  if (!get_dim(env, argv[3], &m, "m") || !get_dim(env, argv[4], &n, "n") || !get_dim(env, argv[5], &k, "k")) return NULL;
  CHECK(napi_get_value_bool(env, argv[6], &ta));
  CHECK(napi_get_value_bool(env, argv[7], &tb));
  if (argc > 8) CHECK(napi_get_value_double(env, argv[8], &beta));
  if ((uint64_t)m * (uint64_t)k > la || (uint64_t)k * (uint64_t)n > lb || (uint64_t)m * (uint64_t)n > lc) {
    napi_throw_range_error(env, NULL, "lab4_sgemm: an array is smaller than its m/n/k dimensions");
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;
  if (k == 0) {
    /* BLAS leaves C scaled by beta; with beta 0 that must be zeros, not stale memory. */
    for (int64_t i = 0; i < m * n; i++) c[i] = beta == 0.0 ? 0.0f : (float)beta * c[i];
    return NULL;
  }
  gemm_job j = {.a = a, .b = b, .c = c, .m = m, .n = n, .k = k, .ta = ta, .tb = tb, .beta = (float)beta};
  plan(&j);
  run_job(&j, pool_threads);
  return NULL;
}

static int get_f32_opt(napi_env env, napi_value v, float **data, size_t *len, const char *name) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) == napi_ok && (t == napi_undefined || t == napi_null)) {
    *data = NULL;
    *len = 0;
    return 1;
  }
  return get_f32(env, v, data, len, name);
}

static int get_i32(napi_env env, napi_value v, int32_t **data, size_t *len, const char *name) {
  return get_typed(env, v, napi_int32_array, "an Int32Array", (void **)data, len, name);
}

static int get_num(napi_env env, napi_value v, double *out, const char *name) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "lab4_sgemm: %s must be a number", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/*
 * The Adam loop without L2 and amsgrad (the lab's Adam and AdamW) on arrays that do not overlap:
 * the same operations as the general loop below in the same order (decay = 1 rounds to p itself),
 * so the same bits, but vectorised per instruction set (4-8 parameters at a time).
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
    po[i] = (float)(pi - (stepSize * mi) / (sqrt((double)vi) / bc2Sqrt + eps));
  }
}

static int overlaps(const float *a, const float *b, size_t n) {
  return (uintptr_t)a < (uintptr_t)(b + n) && (uintptr_t)b < (uintptr_t)(a + n);
}

/*
 * adam(p, g, m, v, vmax, pOut, mOut, vOut, vmaxOut, beta1, beta2, eps, stepSize, bc2Sqrt, decay, l2)
 * vmax/vmaxOut: Float32Array or null (amsgrad off). Mirrors adamUpdate in lib/optim/adam.ts.
 */
static napi_value Adam(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 16) {
    napi_throw_type_error(env, NULL, "lab4_sgemm: adam needs 16 arguments");
    return NULL;
  }
  float *p, *g, *m, *v, *vmax, *po, *mo, *vo, *vmo;
  size_t lp, lg, lm, lv, lvm, lpo, lmo, lvo, lvmo;
  double beta1, beta2, eps, stepSize, bc2Sqrt, decay, l2;
  if (!get_f32(env, argv[0], &p, &lp, "p") || !get_f32(env, argv[1], &g, &lg, "g") || !get_f32(env, argv[2], &m, &lm, "m") ||
      !get_f32(env, argv[3], &v, &lv, "v") || !get_f32_opt(env, argv[4], &vmax, &lvm, "vmax") ||
      !get_f32(env, argv[5], &po, &lpo, "pOut") || !get_f32(env, argv[6], &mo, &lmo, "mOut") ||
      !get_f32(env, argv[7], &vo, &lvo, "vOut") || !get_f32_opt(env, argv[8], &vmo, &lvmo, "vmaxOut"))
    return NULL;
  if (!get_num(env, argv[9], &beta1, "beta1") || !get_num(env, argv[10], &beta2, "beta2") || !get_num(env, argv[11], &eps, "eps") ||
      !get_num(env, argv[12], &stepSize, "stepSize") || !get_num(env, argv[13], &bc2Sqrt, "bc2Sqrt") ||
      !get_num(env, argv[14], &decay, "decay") || !get_num(env, argv[15], &l2, "l2"))
    return NULL;
  size_t n = lp;
  if (lg != n || lm != n || lv != n || lpo != n || lmo != n || lvo != n || (vmax && lvm != n) || (vmo && lvmo != n) || (!vmax != !vmo)) {
    napi_throw_range_error(env, NULL, "lab4_sgemm: adam arrays must all have the parameter's length (vmax and vmaxOut both or neither)");
    return NULL;
  }
  const float *ins[4] = {p, g, m, v};
  float *outs[3] = {po, mo, vo};
  int disjoint = 1;
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 3; b++) disjoint &= !overlaps(ins[a], outs[b], n);
  disjoint &= !overlaps(po, mo, n) && !overlaps(po, vo, n) && !overlaps(mo, vo, n);
  if (l2 == 0 && !vmax && disjoint) {
    adam_plain(n, p, g, m, v, po, mo, vo, beta1, beta2, eps, stepSize, bc2Sqrt, decay);
    return NULL;
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
    po[i] = (float)(pi - (stepSize * mi) / (sqrt(vUse) / bc2Sqrt + eps));
  }
  return NULL;
}

/*
 * Vectorised exp for the softmax. Why our own: glibc's expf is scalar, and on Word2Vec's 3085 x 3085
 * logits a batch the softmax spent ~35 ms a call in it (3.1 s of Part 1's ~5 s of training, --cpu-prof);
 * GCC vectorises this polynomial (Cephes' expf: relative error <= 2e-7, about 1 ulp, as PyTorch's
 * vectorised exp) but never a libm call without -ffast-math, which we do not use.
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
  memcpy(&scale, &bits, sizeof scale);
  float v = y * scale;
  return x < lo ? 0.0f : v;
}

/*
 * Maximum of z[0..n), n >= 1. On the bit patterns as integers, mapped so that their order is the
 * floats' order: GCC vectorises an integer max, not a float one (without -ffinite-math-only).
 * NaN and infinities need no care here: they make z[k] - max NaN for some k, so the sum and the
 * loss are NaN, as with expf (-Infinity alone gives exp 0, also as expf).
 */
LAB4_CLONES static float row_max(const float *z, int64_t n) {
  int32_t kmax = INT32_MIN;
  for (int64_t k = 0; k < n; k++) {
    int32_t b;
    memcpy(&b, &z[k], sizeof b);
    int32_t key = b ^ ((b >> 31) & 0x7fffffff);
    kmax = key > kmax ? key : kmax;
  }
  int32_t b = kmax ^ ((kmax >> 31) & 0x7fffffff); /* the mapping is its own inverse */
  float mx;
  memcpy(&mx, &b, sizeof mx);
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

/*
 * pairedSoftmaxCE(z, numRows, numClasses, rows, targets, grad) -> loss: the mean over pairs i of
 * -log softmax(z[rows[i]])[targets[i]] and its gradient (grad, unless null, fully overwritten). Mirrors
 * pairedSoftmaxCE in lib/nn/losses.ts.
 */
static napi_value PairedSoftmaxCE(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "lab4_sgemm: pairedSoftmaxCE(z, numRows, numClasses, rows, targets, grad)");
    return NULL;
  }
  float *z, *grad;
  int32_t *rows, *targets;
  size_t lz, lg, lr, lt;
  int64_t U, C;
  if (!get_f32(env, argv[0], &z, &lz, "z") || !get_dim(env, argv[1], &U, "numRows") || !get_dim(env, argv[2], &C, "numClasses") ||
      !get_i32(env, argv[3], &rows, &lr, "rows") || !get_i32(env, argv[4], &targets, &lt, "targets") ||
      !get_f32_opt(env, argv[5], &grad, &lg, "grad"))
    return NULL;
  if ((uint64_t)U * (uint64_t)C > lz || (grad && lg < (uint64_t)U * (uint64_t)C) || lr != lt) {
    napi_throw_range_error(env, NULL, "lab4_sgemm: pairedSoftmaxCE sizes do not match (z, grad: numRows*numClasses; rows, targets: same length)");
    return NULL;
  }
  size_t B = lr;
  for (size_t i = 0; i < B; i++)
    if (rows[i] < 0 || rows[i] >= U || targets[i] < 0 || targets[i] >= C) {
      napi_throw_range_error(env, NULL, "lab4_sgemm: pairedSoftmaxCE row or target index out of range");
      return NULL;
    }
  double *cnt = calloc((size_t)U, sizeof(double));
  double *lse = calloc((size_t)U, sizeof(double));
  float *tmp = grad ? NULL : malloc((size_t)C * sizeof(float) + 1); /* exp values when no gradient is asked */
  if ((U > 0 && (!cnt || !lse)) || (!grad && !tmp)) {
    free(cnt);
    free(lse);
    free(tmp);
    napi_throw_error(env, NULL, "lab4_sgemm: out of memory");
    return NULL;
  }
  for (size_t i = 0; i < B; i++) cnt[rows[i]] += 1;
  for (int64_t u = 0; u < U; u++) {
    float *zr = z + u * C, *gr = grad ? grad + u * C : NULL;
    if (cnt[u] == 0) {
      if (gr) memset(gr, 0, (size_t)C * sizeof(float));
      continue;
    }
    float mx = row_max(zr, C);
    double s = exp_shifted_sum(zr, mx, gr ? gr : tmp, C);
    lse[u] = mx + log(s);
    if (gr) {
      float scale = (float)(cnt[u] / ((double)B * s));
      for (int64_t k = 0; k < C; k++) gr[k] *= scale;
    }
  }
  double loss = 0;
  for (size_t i = 0; i < B; i++) {
    size_t k = (size_t)rows[i] * (size_t)C + (size_t)targets[i];
    loss += lse[rows[i]] - z[k];
    if (grad) grad[k] -= (float)(1.0 / (double)B);
  }
  free(cnt);
  free(lse);
  free(tmp);
  napi_value out;
  CHECK(napi_create_double(env, B > 0 ? loss / (double)B : NAN, &out));
  return out;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    napi_throw_range_error(env, NULL, "lab4_sgemm: setThreads(n) needs an integer n >= 1");
    return NULL;
  }
  pool_threads = n < THREADS_MAX ? n : THREADS_MAX;
  return NULL;
}

static napi_value Threads(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(napi_create_int32(env, pool_threads, &out));
  return out;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out));
  return out;
}

/* OpenBLAS's thread count (OPENBLAS_NUM_THREADS, else the cores) becomes ours; OpenBLAS keeps one. */
static void take_threads(void) {
  int t = openblas_get_num_threads();
  pool_threads = t < 1 ? 1 : t < THREADS_MAX ? t : THREADS_MAX;
  openblas_set_num_threads(1);
}

static napi_value Init(napi_env env, napi_value exports) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, take_threads);
  napi_property_descriptor props[] = {
      {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, Adam, NULL, NULL, NULL, napi_default, NULL},
      {"pairedSoftmaxCE", NULL, PairedSoftmaxCE, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, Threads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
