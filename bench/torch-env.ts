/**
 * How the PyTorch reference processes run (bench/seq2seq_torch.py, bench/word2vec_torch.py).
 *
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed: some machines set them for older OpenBLAS builds,
 * and they make Debian's pick slower kernels. Our own process keeps whatever it was started with, so
 * the benches print both sides' OpenBLAS kernels (run a whole bench under `env -u` to compare alike).
 *
 * "tuned" is PyTorch as an engineer would run it on a small VM: glibc's malloc keeps freed memory
 * (PyTorch's CPU allocator is plain malloc, and big blocks otherwise go back to the kernel at every free
 * and are faulted in again at every step), and idle OpenMP threads sleep instead of spinning against
 * OpenBLAS's. "stock" is PyTorch with its defaults. The ratios are taken against "tuned".
 */
export type TorchSetup = "tuned" | "stock";

const KEEP_FREED = "glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295";

export function torchEnv(setup: TorchSetup): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (setup === "tuned") {
    env.GLIBC_TUNABLES = env.GLIBC_TUNABLES ? `${env.GLIBC_TUNABLES}:${KEEP_FREED}` : KEEP_FREED;
    env.OMP_WAIT_POLICY = "PASSIVE";
  }
  return env;
}

/** One line saying which OpenBLAS kernels each side runs, and how to make them alike if they differ. */
export function kernelsLine(ours: string | undefined, torch: string): string {
  const core = (config: string | undefined) => config?.match(/DYNAMIC_ARCH (?:NO_AFFINITY )?(\w+)/)?.[1] ?? config ?? "none";
  const [a, b] = [core(ours), core(torch)];
  const same = a === b ? "the same" : "NOT the same: run the bench under `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`";
  return `OpenBLAS kernels: ours ${a}, PyTorch's ${b} (${same})`;
}
