/**
 * Seeded pseudo-random numbers shared by the data loaders, dropout masks and teacher forcing, so a
 * run is reproducible from one seed (the original lab's `np.random.seed(2023)` / `random.seed(1234)`).
 * Mulberry32: tiny, fast, 2^32 period — plenty for shuffling and coin flips; not for cryptography.
 */
export class Random {
  private state: number;

  constructor(seed = 2023) {
    this.state = seed | 0; // int32, not uint32: V8 keeps a small integer field unboxed
  }

  /** Uniform in [0, 1), like Python's `random.random()`. */
  random(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * `out[i] = random() < p ? 0 : scale` for each i in order: the same draws as `out.length` calls to
   * `random()` (dropout masks). Written out because a data-dependent branch per element, mispredicted
   * half the time, costs more than the draw itself.
   */
  fillMask(out: Float32Array, p: number, scale: number): void {
    const threshold = p * 4294967296; // u / 2^32 < p  <=>  u < p * 2^32, both exact
    let s = this.state;
    for (let i = 0; i < out.length; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = scale * +((t ^ (t >>> 14)) >>> 0 >= threshold);
    }
    this.state = s;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** A fresh 32-bit seed for a tfjs op that takes one (`tf.randomUniform(..., seed)`). */
  nextSeed(): number {
    return Math.floor(this.random() * 2 ** 31);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array | Float32Array): typeof a {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

/** The process-wide generator the notebook seeds with `manualSeed(n)` (like `torch.manual_seed`). */
export let globalRandom = new Random(2023);

export function manualSeed(seed: number): void {
  globalRandom = new Random(seed);
}

/**
 * Python's `random` module as the original lab uses it: `random.seed(SEED)` seeds the process-wide
 * generator (the same one `manualSeed` sets), `random.random()` draws from it.
 */
export const random = {
  seed(seed: number): void {
    manualSeed(seed);
  },
  random(): number {
    return globalRandom.random();
  },
};
