/*
 * lab4_sgemm: OpenBLAS's single-precision GEMM for Node, on Float32Arrays that may be views of
 * the tfjs wasm heap (no copies).
 *
 * Why: a Seq2Seq training step is mostly matrix products. WebAssembly SIMD is 128-bit without FMA,
 * while OpenBLAS uses AVX2/AVX-512 and every core. tfjs-node (TensorFlow's own kernels) cannot be installed offline. This binding
 * is the thin part we own; the GEMM is OpenBLAS (Debian's libopenblas).
 *
 * sgemm(a, b, c, m, n, k, transA, transB, beta): c[m,n] = op(a)[m,k] . op(b)[k,n] + beta*c,
 * row-major, op(x) = x or its transpose as stored. Sizes are checked against the arrays so a
 * caller's mistake throws instead of writing outside them. The bits do not depend on the thread
 * count (setThreads): the binding threads a product itself, OpenBLAS runs on one thread (see plan).
 *
 * Two more loops of a training step run here because JS runs them several times slower than C and
 * they touch every parameter / every logit (`npm run bench -- loops`; their C is in
 * native/loops, shared with the WebAssembly build used where this binding is not): the Adam update
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

/* The Adam and softmax cross-entropy loops, shared with the WebAssembly build (native/loops). */
#include "../loops/adam.c"
#include "../loops/softmax_ce.c"
#include "../loops/lstm_cell.c"
#include "../loops/column_sums.c"

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

/* Work for the pool: parts 0..parts-1, each run once by some thread (run receives the task itself). */
typedef struct pool_task {
  void (*run)(const struct pool_task *t, int part);
  int parts, helpers;
} pool_task;

typedef struct {
  pool_task task; /* first: a gemm_job is a pool_task */
  const float *a, *b;
  float *c;
  int64_t m, n, k;
  bool ta, tb, by_rows;
  float beta;
  int64_t step; /* rows (by_rows) or columns in a strip; the last may be shorter */
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
  j->task.parts = (int)((side + step - 1) / step);
}

static void run_part(const pool_task *t, int p) {
  const gemm_job *j = (const gemm_job *)t;
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
static const pool_task *pool_job;                           /* the posted task, or NULL */
static int pool_next, pool_finished, pool_workers;
static int pool_threads = 1; /* the setting (threads()), the calling thread included */

static void *pool_worker(void *arg) {
  int id = (int)(intptr_t)arg; /* 1, 2, ... */
  pthread_mutex_lock(&pool_mu);
  for (;;) {
    while (!pool_job || pool_next >= pool_job->parts || id > pool_job->helpers) pthread_cond_wait(&pool_wake, &pool_mu);
    const pool_task *j = pool_job;
    int p = pool_next++;
    pthread_mutex_unlock(&pool_mu);
    j->run(j, p);
    pthread_mutex_lock(&pool_mu);
    if (++pool_finished == j->parts) pthread_cond_signal(&pool_done);
  }
  return NULL;
}

static void run_job(pool_task *j, int threads) {
  int want = (threads < j->parts ? threads : j->parts) - 1;
  pthread_mutex_lock(&pool_mu);
  /* Another caller's job in flight (Node worker threads): compute this one here, same parts. */
  if (want <= 0 || pool_job) {
    pthread_mutex_unlock(&pool_mu);
    for (int p = 0; p < j->parts; p++) j->run(j, p);
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
    j->run(j, p);
    pthread_mutex_lock(&pool_mu);
    pool_finished++;
  }
  while (pool_finished < j->parts) pthread_cond_wait(&pool_done, &pool_mu);
  pool_job = NULL;
  pthread_mutex_unlock(&pool_mu);
}

/*
 * The Adam update and the softmax cross-entropy's rows on the pool. Each element (Adam) or row (CE)
 * is computed by the same code whatever part it falls in, so the bits do not depend on the split,
 * and the split may follow the thread count. Small inputs stay whole (waking a thread costs more).
 */
#define LOOP_PART_MIN (1 << 15) /* least elements in a part */

/* Parts for `n` items of `work` elements each on `threads` threads; *step: items per part (a multiple of `align`). */
static int loop_parts(int64_t n, int64_t work, int threads, int64_t align, int64_t *step) {
  int64_t parts = n * work / LOOP_PART_MIN;
  if (parts > 4 * (int64_t)threads) parts = 4 * (int64_t)threads;
  if (parts > n) parts = n;
  if (parts < 1) parts = 1;
  int64_t st = (n + parts - 1) / parts;
  st = (st + align - 1) / align * align;
  *step = st < 1 ? 1 : st;
  return n == 0 ? 0 : (int)((n + *step - 1) / *step);
}

typedef struct {
  pool_task task;
  int64_t n, step;
  const float *p, *g, *m, *v, *vmax;
  float *po, *mo, *vo, *vmo;
  double beta1, beta2, eps, stepSize, bc2Sqrt, decay, l2;
} adam_job;

static void adam_part(const pool_task *t, int part) {
  const adam_job *j = (const adam_job *)t;
  int64_t s = part * j->step, n = j->n - s < j->step ? j->n - s : j->step;
  lab4_adam((size_t)n, j->p + s, j->g + s, j->m + s, j->v + s, j->vmax ? j->vmax + s : NULL, j->po + s, j->mo + s, j->vo + s,
            j->vmo ? j->vmo + s : NULL, j->beta1, j->beta2, j->eps, j->stepSize, j->bc2Sqrt, j->decay, j->l2);
}

typedef struct {
  pool_task task;
  const float *z;
  int64_t U, C, step;
  size_t B;
  float *grad;
  const double *cnt;
  double *lse;
  float *tmp; /* C floats per part, when grad is NULL */
} ce_job;

static void ce_part(const pool_task *t, int part) {
  const ce_job *j = (const ce_job *)t;
  int64_t u0 = part * j->step, u1 = u0 + j->step < j->U ? u0 + j->step : j->U;
  lab4_ce_rows(u1 - u0, j->z + u0 * j->C, j->C, j->B, j->grad ? j->grad + u0 * j->C : NULL, j->cnt + u0, j->lse + u0,
               j->tmp ? j->tmp + (size_t)part * (size_t)j->C : NULL);
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
  gemm_job j = {.task = {.run = run_part}, .a = a, .b = b, .c = c, .m = m, .n = n, .k = k, .ta = ta, .tb = tb, .beta = (float)beta};
  plan(&j);
  run_job(&j.task, pool_threads);
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
  adam_job j = {.task = {.run = adam_part}, .n = (int64_t)n, .p = p, .g = g, .m = m, .v = v, .vmax = vmax, .po = po, .mo = mo,
               .vo = vo, .vmo = vmo, .beta1 = beta1, .beta2 = beta2, .eps = eps, .stepSize = stepSize, .bc2Sqrt = bc2Sqrt,
               .decay = decay, .l2 = l2};
  j.task.parts = loop_parts((int64_t)n, 1, pool_threads, 16, &j.step);
  run_job(&j.task, pool_threads);
  return NULL;
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
  ce_job j = {.task = {.run = ce_part}, .z = z, .U = U, .C = C, .B = B, .grad = grad};
  j.task.parts = loop_parts(U, C, pool_threads, 1, &j.step);
  double *cnt = calloc((size_t)U, sizeof(double));
  double *lse = calloc((size_t)U, sizeof(double));
  /* exp values when no gradient is asked: C floats per part */
  float *tmp = grad ? NULL : malloc((size_t)(j.task.parts > 0 ? j.task.parts : 1) * (size_t)C * sizeof(float) + 1);
  if ((U > 0 && (!cnt || !lse)) || (!grad && !tmp)) {
    free(cnt);
    free(lse);
    free(tmp);
    napi_throw_error(env, NULL, "lab4_sgemm: out of memory");
    return NULL;
  }
  j.cnt = cnt;
  j.lse = lse;
  j.tmp = tmp;
  lab4_ce_count(U, rows, B, cnt);
  if (j.task.parts > 0) run_job(&j.task, pool_threads);
  double loss = lab4_ce_loss(z, C, rows, targets, B, grad, lse);
  free(cnt);
  free(lse);
  free(tmp);
  napi_value out;
  CHECK(napi_create_double(env, loss, &out));
  return out;
}

/* The element-wise LSTM step (native/loops/lstm_cell.c) by blocks of batch rows on the pool. */
typedef struct {
  pool_task task;
  int kind; /* 0 fwd cell, 1 fwd out, 2 bwd cell */
  int64_t B, H, step, dAStride, rStride;
  const float *s, *x, *tc, *dA, *mask, *dhRec, *dcRec; /* x: cPrev (fwd cell, bwd cell) or u (fwd out) */
  float *o1, *o2;
} lstm_job;

static void lstm_part(const pool_task *t, int part) {
  const lstm_job *j = (const lstm_job *)t;
  int64_t b0 = part * j->step, b1 = b0 + j->step < j->B ? b0 + j->step : j->B;
  if (j->kind == 0) lab4_lstm_fwd_cell(b0, b1, j->H, j->s, j->x, j->o1, j->o2);
  else if (j->kind == 1) lab4_lstm_fwd_out(b0, b1, j->H, j->s, j->x, j->o1, j->o2);
  else
    lab4_lstm_bwd_cell(b0, b1, j->H, j->s, j->x, j->tc, j->dA, j->dAStride, j->mask, j->dhRec, j->rStride, j->dcRec, j->o1, j->o2);
}

/*
 * A Float32Array (or null when `optional`) and an element offset into it, checked so that `rows` rows of
 * `width` elements, `stride` apart, starting at the offset, lie inside it: the pointer at the offset.
 */
static int get_rows(napi_env env, napi_value arr, napi_value offv, int64_t rows, int64_t width, int64_t stride, bool optional,
                    const float **out, const char *name) {
  float *data;
  size_t len;
  int64_t off = 0;
  if (optional ? !get_f32_opt(env, arr, &data, &len, name) : !get_f32(env, arr, &data, &len, name)) return 0;
  if (!data) {
    *out = NULL;
    return 1;
  }
  if (offv && !get_dim(env, offv, &off, name)) return 0;
  if (rows > 0 && (uint64_t)off + (uint64_t)(rows - 1) * (uint64_t)stride + (uint64_t)width > len) {
    char msg[128];
    snprintf(msg, sizeof msg, "lab4_sgemm: %s is too short for its offset, rows and stride", name);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  *out = data + off;
  return 1;
}

static napi_value run_lstm(lstm_job *j) {
  j->task.run = lstm_part;
  j->task.parts = loop_parts(j->B, j->kind == 2 ? 8 * j->H : 4 * j->H, pool_threads, 1, &j->step);
  if (j->task.parts > 0) run_job(&j->task, pool_threads);
  return NULL;
}

/*
 * lstmFwdCell(B, H, s, cPrev, cPrevOff, c, c2) and lstmFwdOut(B, H, s, u, h, tc): see lab4_lstm_fwd_cell
 * and lab4_lstm_fwd_out. The same shape: s [B, 4H], one [B, H] input (cPrev at an offset, or u), two
 * [B, H] outputs.
 */
static napi_value lstm_forward(napi_env env, napi_callback_info info, int kind) {
  const bool cell = kind == 0;
  size_t want = cell ? 7 : 6, argc = 7;
  napi_value a[7];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < want) {
    napi_throw_type_error(env, NULL, cell ? "lab4_sgemm: lstmFwdCell(B, H, s, cPrev, cPrevOff, c, c2)" : "lab4_sgemm: lstmFwdOut(B, H, s, u, h, tc)");
    return NULL;
  }
  lstm_job j = {.kind = kind};
  const float *o1, *o2;
  size_t out = cell ? 5 : 4; /* the first output's argument */
  if (!get_dim(env, a[0], &j.B, "B") || !get_dim(env, a[1], &j.H, "H") ||
      !get_rows(env, a[2], NULL, j.B, 4 * j.H, 4 * j.H, false, &j.s, "s") ||
      !get_rows(env, a[3], cell ? a[4] : NULL, j.B, j.H, j.H, false, &j.x, cell ? "cPrev" : "u") ||
      !get_rows(env, a[out], NULL, j.B, j.H, j.H, false, &o1, cell ? "c" : "h") ||
      !get_rows(env, a[out + 1], NULL, j.B, j.H, j.H, false, &o2, cell ? "c2" : "tc"))
    return NULL;
  j.o1 = (float *)o1;
  j.o2 = (float *)o2;
  return run_lstm(&j);
}

static napi_value LstmFwdCell(napi_env env, napi_callback_info info) { return lstm_forward(env, info, 0); }

static napi_value LstmFwdOut(napi_env env, napi_callback_info info) { return lstm_forward(env, info, 1); }

/*
 * lstmBwdCell(B, H, s, sOff, cPrev, cPrevOff, tc, tcOff, dA, dAOff, dAStride, mask, maskOff, dhRec, dhRecOff,
 * dhRecStride, dcRec, dcRecOff, dG, dcPrev): see lab4_lstm_bwd_cell; dA, mask, dhRec, dcRec may be null.
 */
static napi_value LstmBwdCell(napi_env env, napi_callback_info info) {
  size_t argc = 20;
  napi_value a[20];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 20) {
    napi_throw_type_error(env, NULL, "lab4_sgemm: lstmBwdCell needs 20 arguments");
    return NULL;
  }
  lstm_job j = {.kind = 2};
  const float *dG, *dcPrev;
  if (!get_dim(env, a[0], &j.B, "B") || !get_dim(env, a[1], &j.H, "H") || !get_dim(env, a[10], &j.dAStride, "dAStride") ||
      !get_dim(env, a[15], &j.rStride, "dhRecStride"))
    return NULL;
  if (!get_rows(env, a[2], a[3], j.B, 4 * j.H, 4 * j.H, false, &j.s, "s") ||
      !get_rows(env, a[4], a[5], j.B, j.H, j.H, false, &j.x, "cPrev") || !get_rows(env, a[6], a[7], j.B, j.H, j.H, false, &j.tc, "tc") ||
      !get_rows(env, a[8], a[9], j.B, j.H, j.dAStride, true, &j.dA, "dA") ||
      !get_rows(env, a[11], a[12], j.B, j.H, j.H, true, &j.mask, "mask") ||
      !get_rows(env, a[13], a[14], j.B, j.H, j.rStride, true, &j.dhRec, "dhRec") ||
      !get_rows(env, a[16], a[17], j.B, j.H, j.H, true, &j.dcRec, "dcRec") ||
      !get_rows(env, a[18], NULL, j.B, 4 * j.H, 4 * j.H, false, &dG, "dG") ||
      !get_rows(env, a[19], NULL, j.B, j.H, j.H, false, &dcPrev, "dcPrev"))
    return NULL;
  j.o1 = (float *)dG;
  j.o2 = (float *)dcPrev;
  return run_lstm(&j);
}

/* Column sums (native/loops/column_sums.c) by blocks of columns on the pool. */
typedef struct {
  pool_task task;
  const float *x;
  int64_t rows, cols, step;
  float *out;
} colsum_job;

static void colsum_part(const pool_task *t, int part) {
  const colsum_job *j = (const colsum_job *)t;
  int64_t j0 = part * j->step, j1 = j0 + j->step < j->cols ? j0 + j->step : j->cols;
  lab4_column_sums(j->x, j->rows, j->cols, j0, j1, j->out);
}

/* columnSums(x, rows, cols, out): out[j] = the float32 running sum of column j of x [rows, cols]. */
static napi_value ColumnSums(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "lab4_sgemm: columnSums(x, rows, cols, out)");
    return NULL;
  }
  colsum_job j = {.task = {.run = colsum_part}};
  const float *out;
  if (!get_dim(env, a[1], &j.rows, "rows") || !get_dim(env, a[2], &j.cols, "cols") ||
      !get_rows(env, a[0], NULL, j.rows, j.cols, j.cols, false, &j.x, "x") || !get_rows(env, a[3], NULL, 1, j.cols, j.cols, false, &out, "out"))
    return NULL;
  j.out = (float *)out;
  j.task.parts = loop_parts(j.cols, j.rows, pool_threads, 16, &j.step);
  if (j.task.parts > 0) run_job(&j.task, pool_threads);
  return NULL;
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
      {"lstmFwdCell", NULL, LstmFwdCell, NULL, NULL, NULL, napi_default, NULL},
      {"lstmFwdOut", NULL, LstmFwdOut, NULL, NULL, NULL, napi_default, NULL},
      {"lstmBwdCell", NULL, LstmBwdCell, NULL, NULL, NULL, napi_default, NULL},
      {"columnSums", NULL, ColumnSums, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, Threads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
