/**
 * The import graph of lib/, grading/ and reference/ and the layer rules of ARCHITECTURE.md.
 * Imports are read with the TypeScript compiler's own pre-processor (static, type-only, dynamic
 * `import()` and `require()` alike); only relative specifiers name files of this repository.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

/** file (repo-relative, "/"-separated) -> the repo files it imports. */
export type ImportGraph = Map<string, string[]>;

/** A layer: files whose path starts with one of `prefixes` (a folder ending in "/" or a file). */
export interface Layer {
  name: string;
  prefixes: string[];
}

/**
 * Bottom to top: a file may import its own layer and the layers below it, never one above. Names
 * here are what ARCHITECTURE.md calls them.
 */
export const LAYERS: readonly Layer[] = [
  { name: "engine", prefixes: ["lib/engine/"] },
  {
    name: "building blocks",
    prefixes: [
      "lib/python/",
      "lib/nn/",
      "lib/optim/",
      "lib/text/",
      "lib/data/",
      "lib/torchtext/",
      "lib/checkpoint/",
      "lib/random.ts",
      "lib/similarity.ts",
      "lib/profile.ts",
    ],
  },
  {
    name: "lab models and UI",
    prefixes: ["lib/word2vec/", "lib/plot/", "lib/progress/", "lib/notebook/"],
  },
  { name: "package entry", prefixes: ["lib/index.ts"] },
  { name: "grading runtime", prefixes: ["grading/runtime/", "grading/index.ts"] },
  { name: "grading notebook I/O", prefixes: ["grading/notebook/"] },
  { name: "grading pipeline", prefixes: ["grading/grade/"] },
  { name: "grading CLI", prefixes: ["grading/"] },
  { name: "reference", prefixes: ["reference/"] },
];

/** Index in LAYERS of the layer holding `file`, or -1; the first layer that names it wins. */
export function layerOf(file: string, layers: readonly Layer[] = LAYERS): number {
  return layers.findIndex((l) => l.prefixes.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)));
}

const SOURCE = /\.ts$/;

function listTs(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...listTs(root, rel));
    else if (SOURCE.test(e.name) && !e.name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** The repo file a relative specifier names (.ts, .js compiled from .ts, or a folder's index.ts). */
function resolve(root: string, from: string, spec: string): string | undefined {
  const base = path.posix.join(path.posix.dirname(from), spec);
  const stem = base.replace(/\.(js|ts)$/, "");
  for (const c of [`${stem}.ts`, `${stem}/index.ts`, base])
    if (fs.existsSync(path.join(root, c)) && fs.statSync(path.join(root, c)).isFile()) return c;
  return undefined;
}

/** Reads every .ts file under `dirs` of `root` and the repo files each one imports. */
export function readImportGraph(root: string, dirs: readonly string[]): { graph: ImportGraph; unresolved: string[] } {
  const graph: ImportGraph = new Map();
  const unresolved: string[] = [];
  for (const file of dirs.flatMap((d) => listTs(root, d))) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(root, file), "utf8"), true, true);
    const deps: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) continue; // a package
      const target = resolve(root, file, fileName);
      if (target === undefined) unresolved.push(`${file} imports ${fileName}`);
      else if (!deps.includes(target)) deps.push(target);
    }
    graph.set(file, deps);
  }
  return { graph, unresolved };
}

/** Every rule broken by the graph, one line each (empty when it follows ARCHITECTURE.md). */
export function layerViolations(graph: ImportGraph, layers: readonly Layer[] = LAYERS): string[] {
  const out: string[] = [];
  for (const [from, deps] of graph) {
    const lf = layerOf(from, layers);
    if (lf < 0) {
      out.push(`${from} is in no layer (add its folder to LAYERS and ARCHITECTURE.md)`);
      continue;
    }
    for (const to of deps) {
      const lt = layerOf(to, layers);
      if (from.startsWith("lib/") && to.startsWith("grading/")) out.push(`${from} -> ${to}: lib/ must not import grading/`);
      else if (!from.startsWith("reference/") && to.startsWith("reference/"))
        out.push(`${from} -> ${to}: only reference/ may import reference/`);
      else if (lt < 0) out.push(`${from} -> ${to}: ${to} is in no layer`);
      else if (lt > lf) out.push(`${from} -> ${to}: ${layers[lf]!.name} must not import ${layers[lt]!.name} (a higher layer)`);
    }
  }
  return out;
}

/** The import cycles (strongly connected components of more than one file, or a self-import). */
export function importCycles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm, iterative so deep graphs cannot overflow the stack.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const deps = graph.get(top.node) ?? [];
      if (top.i < deps.length) {
        const d = deps[top.i++]!;
        if (!index.has(d)) {
          index.set(d, next);
          low.set(d, next++);
          stack.push(d);
          onStack.add(d);
          work.push({ node: d, i: 0 });
        } else if (onStack.has(d)) low.set(top.node, Math.min(low.get(top.node)!, index.get(d)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const scc: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          scc.push(n);
        } while (n !== top.node);
        if (scc.length > 1 || deps.includes(top.node)) cycles.push(scc.sort());
      }
    }
  }
  return cycles;
}

/**
 * The folder a file belongs to under `top`: its first folder (lib/nn for lib/nn/x.ts). A file at
 * lib's root is its own unit (lib/index.ts imports every folder); grading's root files are one
 * unit, "grading" (the CLI level above grade/, notebook/ and runtime/).
 */
export function folderUnit(top: "lib" | "grading", file: string): string {
  const parts = file.split("/");
  if (parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return top === "lib" ? file : top;
}

/** The graph between the folders of `top` (lib/nn -> lib/engine, ...): cycles here blur the layers too. */
export function folderGraph(graph: ImportGraph, top: "lib" | "grading"): ImportGraph {
  const folders: ImportGraph = new Map();
  for (const [from, deps] of graph) {
    if (!from.startsWith(`${top}/`)) continue;
    const f = folderUnit(top, from);
    const set = folders.get(f) ?? [];
    for (const d of deps) {
      if (!d.startsWith(`${top}/`)) continue;
      const t = folderUnit(top, d);
      if (t !== f && !set.includes(t)) set.push(t);
    }
    folders.set(f, set);
  }
  return folders;
}
