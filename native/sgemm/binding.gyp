{
  "variables": {
    # Path of a static libopenblas.a: set by `npm run build:native -- --prebuild` to link OpenBLAS
    # into the binding, so the shipped prebuild needs no OpenBLAS package at run time.
    "openblas_static%": ""
  },
  "targets": [
    {
      "target_name": "lab4_sgemm",
      "sources": ["sgemm.c"],
      "cflags": ["-O3", "-fno-fast-math", "-fno-trapping-math", "-fno-math-errno", "-ffp-contract=off", "<!@(pkg-config --cflags openblas)"],
      "conditions": [
        ["openblas_static==''", {
          "libraries": ["<!@(pkg-config --libs openblas)"]
        }, {
          # Hidden OpenBLAS symbols: no clash with another BLAS in the process; -s drops the symbol table.
          "libraries": ["<(openblas_static)", "-lm", "-lpthread"],
          "ldflags": ["-Wl,--exclude-libs,ALL", "-s"]
        }]
      ]
    }
  ]
}
