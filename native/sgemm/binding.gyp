{
  "targets": [
    {
      "target_name": "lab4_sgemm",
      "sources": ["sgemm.c"],
      "cflags": ["-O3", "-fno-fast-math", "-fno-trapping-math", "-fno-math-errno", "-ffp-contract=off", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["<!@(pkg-config --libs openblas)"]
    }
  ]
}
