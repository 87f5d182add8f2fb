/*
 * The training loops that JS runs slowly, written once in C for two builds: the N-API binding
 * (native/sgemm/sgemm.c #includes adam.c and softmax_ce.c) and a WebAssembly SIMD module that
 * works in place on the tfjs-wasm heap (wasm.c; scripts/build-wasm.js). Freestanding C: no libc
 * calls (builtins only) and no allocation; callers pass every buffer. Both builds use
 * -ffp-contract=off and no fast-math, so each operation rounds as written, in the written order.
 */
#ifndef LAB4_LOOPS_H
#define LAB4_LOOPS_H

#include <stddef.h>
#include <stdint.h>

/* One build per x86-64 instruction set, picked when the binding loads (GCC function multi-versioning). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LAB4_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LAB4_CLONES
#endif

/* The natural logarithm (double). The binding uses libm's; the wasm module imports JS's Math.log. */
#ifndef LAB4_LOG
#include <math.h>
#define LAB4_LOG log
#endif

#endif
