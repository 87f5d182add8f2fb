{
  "targets": [
    {
      "target_name": "lab4_sgemm",
      "sources": ["sgemm.c"],
      "cflags": ["-O2", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["<!@(pkg-config --libs openblas)"]
    }
  ]
}
