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
 * caller's mistake throws instead of writing outside them.
 */
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>

/* openblas_* are OpenBLAS extensions, declared in its cblas.h. */

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "lab4_sgemm: N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static int get_f32(napi_env env, napi_value v, float **data, size_t *len, const char *name) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  napi_value ab;
  size_t off;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, len, &ptr, &ab, &off) != napi_ok || type != napi_float32_array) {
    char msg[96];
    snprintf(msg, sizeof msg, "lab4_sgemm: %s must be a Float32Array", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  *data = (float *)ptr;
  return 1;
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
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n,
              (blasint)k, 1.0f, a, ta ? (blasint)m : (blasint)k, b, tb ? (blasint)k : (blasint)n, (float)beta, c,
              (blasint)n);
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
  openblas_set_num_threads(n);
  return NULL;
}

static napi_value Threads(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &out));
  return out;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, Threads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
