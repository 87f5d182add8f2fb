/**
 * `npm run bench [-- name [options] ...]`: runs the named benchmarks in order (all when none is given);
 * the options after a name go to that bench, e.g. `npm run bench -- word2vec --steps 5 plot --quick`.
 * Ends with a Markdown table of what was measured, its date, commit and machine (for docs/performance.md).
 * Add an entry per bench module; each exports `main(argv)` and calls `record()` from ./results.
 */
import { markdownTable, recorded } from "./results";

type Bench = () => Promise<{ main(argv?: string[]): Promise<void> }>;

const benches: Record<string, Bench> = {
  word2vec: () => import("./word2vec"),
  plot: () => import("./plot"),
  grade: () => import("./grade"),
  seq2seq: () => import("./seq2seq"),
  checkpoint: () => import("./checkpoint"),
  loops: () => import("./loops"),
};

/** Splits `a --x 1 b --y` into [["a", ["--x", "1"]], ["b", ["--y"]]]; no name means every bench. */
export function parseArgs(args: readonly string[]): Array<[string, string[]]> {
  const plan: Array<[string, string[]]> = [];
  for (const arg of args) {
    if (Object.hasOwn(benches, arg)) plan.push([arg, []]);
    else if (plan.length) plan[plan.length - 1]![1].push(arg);
    else throw new Error(`"${arg}" is not a bench: name one first (${Object.keys(benches).join(", ")}), then its options`);
  }
  return plan.length ? plan : Object.keys(benches).map((name): [string, string[]] => [name, []]);
}

async function run(): Promise<void> {
  for (const [name, argv] of parseArgs(process.argv.slice(2))) {
    const mod = await benches[name]!();
    await mod.main(argv);
  }
  if (recorded().length) console.log(`\n${markdownTable()}`);
}

if (require.main === module) {
  run().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
