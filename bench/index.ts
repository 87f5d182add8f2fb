/**
 * `npm run bench [-- name ...]`: runs the benchmarks in order (all when no name is given).
 * Add an entry per bench module; each exports `main(argv)`.
 */
const benches: Record<string, () => Promise<{ main(argv?: string[]): Promise<void> }>> = {
  word2vec: () => import("./word2vec"),
  plot: () => import("./plot"),
  grade: () => import("./grade"),
  seq2seq: () => import("./seq2seq"),
  checkpoint: () => import("./checkpoint"),
};

async function run(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !(n in benches));
  if (unknown.length) throw new Error(`unknown bench ${unknown.join(", ")}: available ${Object.keys(benches).join(", ")}`);
  for (const name of names.length ? names : Object.keys(benches)) {
    const mod = await benches[name]();
    await mod.main(process.argv.slice(2).filter((a) => !names.includes(a)));
  }
}

run().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
