/**
 * A picture of the word vectors: their 2-D PCA projection, every word as a faint point, the probe
 * words (the original lab's "good", "bad", "school", "day") as labelled diamonds and their nearest
 * neighbours (found in the full embedding space) in the probe's colour.
 */
import { pca } from "./pca";
import { isList, noticeSpec, PALETTE } from "./charts";
import { showChart, VegaLiteSpec, VEGALITE_SCHEMA } from "./render";

export interface ProbeNeighbours {
  word: string;
  neighbours: readonly string[];
}

import type { WordVectors } from "../similarity";

/** id -> token, as the notebook's `id2tok` Map or an array indexed by id. */
export type IdToToken = ReadonlyMap<number, string> | readonly string[];

export interface EmbeddingPcaOptions {
  title?: string;
  width?: number;
  height?: number;
  /**
   * Most background words drawn (default 1000; every k-th word by id). The projection uses all
   * vectors; drawing fewer grey points keeps the chart under ~150 ms and the notebook small (each
   * point is an SVG path: 3000 points are a 900 KB SVG).
   */
  maxBackground?: number;
}

const TITLE = "Word2Vec: proyección PCA de los vectores de palabras";

function toRows(w: WordVectors): { rows: readonly ArrayLike<number>[] } | { error: string } {
  let rows: unknown = w;
  if (w && typeof (w as { arraySync?: unknown }).arraySync === "function") {
    try {
      rows = (w as { arraySync(): unknown }).arraySync();
    } catch (e) {
      return { error: `no se pudieron leer los vectores (${e instanceof Error ? e.message : String(e)})` };
    }
  }
  if (!Array.isArray(rows)) return { error: "los vectores deben ser una lista de filas (number[][]) o un tensor 2-D" };
  if (rows.length > 0 && !rows.every((r) => r != null && typeof (r as ArrayLike<number>).length === "number"))
    return { error: "cada fila de los vectores debe ser una lista de números (¿es un tensor 1-D?)" };
  return { rows: rows as ArrayLike<number>[] };
}

function tokenOf(id2tok: IdToToken, i: number): string | undefined {
  return Array.isArray(id2tok) ? (id2tok as readonly string[])[i] : (id2tok as ReadonlyMap<number, string>).get(i);
}

const r4 = (v: number): number => Number(v.toPrecision(4));

interface Prepared {
  spec: VegaLiteSpec;
  text: string;
}

/** The spec and text of the PCA chart; problems with the input give a notice chart, never a throw. */
export function embeddingPcaChart(
  wordvecs: WordVectors,
  id2tok: IdToToken,
  probes: readonly ProbeNeighbours[],
  opts: EmbeddingPcaOptions = {},
): Prepared {
  const title = opts.title ?? TITLE;
  const notice = (why: string): Prepared => ({ spec: noticeSpec(title, `Sin gráfica: ${why}`, opts), text: `${title}: ${why}` });
  const got = toRows(wordvecs);
  if ("error" in got) return notice(got.error);
  const rows = got.rows;
  if (rows.length < 2) return notice(rows.length === 0 ? "no hay vectores de palabras" : "hay un solo vector: no hay nada que proyectar");
  const d = rows[0].length;
  if (d < 2) return notice(`los vectores tienen ${d} dimensión(es); hacen falta al menos 2 para una proyección 2-D`);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].length !== d) return notice(`la fila ${i} tiene ${rows[i].length} valores y la fila 0 tiene ${d}`);
    for (let j = 0; j < d; j++)
      if (!Number.isFinite(rows[i][j]))
        return notice(`los vectores contienen ${rows[i][j]} (fila ${i}, columna ${j}): ¿divergió el entrenamiento?`);
  }
  if (!id2tok || (typeof (id2tok as ReadonlyMap<number, string>).get !== "function" && !Array.isArray(id2tok)))
    return notice("id2tok debe ser un Map (id -> token) o una lista de tokens");
  const probeList = isList(probes) ? probes.filter((p) => p && typeof p.word === "string") : [];

  const res = pca(rows, 2);
  const tok2id = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const t = tokenOf(id2tok, i);
    if (t !== undefined && !tok2id.has(t)) tok2id.set(t, i);
  }
  const missing: string[] = [];
  const highlighted = new Set<number>();
  const marked: Array<{ x: number; y: number; w: string; r: "p" | "n"; p: string }> = [];
  for (const probe of probeList) {
    const ids: Array<[string, "p" | "n"]> = [
      [probe.word, "p"],
      ...(isList(probe.neighbours) ? probe.neighbours : []).map((w: string): [string, "n"] => [w, "n"]),
    ];
    for (const [w, role] of ids) {
      const id = tok2id.get(w);
      if (id === undefined) {
        missing.push(w);
        continue;
      }
      highlighted.add(id);
      const [x, y] = res.projections[id];
      marked.push({ x: r4(x), y: r4(y), w, r: role, p: probe.word });
    }
  }
  const others = [];
  const maxBackground = Math.max(0, Math.floor(opts.maxBackground ?? 1000));
  const stride = Math.max(1, Math.ceil((rows.length - highlighted.size) / Math.max(1, maxBackground)));
  let k = 0;
  for (let i = 0; i < rows.length; i++) {
    if (highlighted.has(i)) continue;
    if (maxBackground === 0 || k++ % stride !== 0) continue;
    const [x, y] = res.projections[i];
    others.push({ x: r4(x), y: r4(y), w: tokenOf(id2tok, i) ?? String(i), r: "o" });
  }
  const [v1, v2] = res.explainedVarianceRatio.map((r) => (100 * r).toFixed(1));
  const subtitle = [
    `PC1 explica ${v1}% y PC2 ${v2}% de la varianza de ${rows.length} vectores de ${d} dimensiones.`,
    "Vecinas: las más cercanas por coseno en las " + d + " dimensiones (en 2-D pueden verse lejos).",
  ];
  const background = rows.length - highlighted.size;
  if (others.length < background) subtitle.push(`En gris, 1 de cada ${stride} palabras restantes (${others.length} de ${background}).`);
  if (missing.length) subtitle.push(`No están en el vocabulario (omitidas): ${[...new Set(missing)].join(", ")}`);
  const words = probeList.map((p) => p.word);
  const color = {
    field: "p",
    type: "nominal",
    title: "Palabra y vecinas",
    scale: { domain: words, range: words.map((_, i) => PALETTE[(i + 1) % PALETTE.length]) },
  };
  const x = { field: "x", type: "quantitative", title: `PC1 (${v1}%)` };
  const y = { field: "y", type: "quantitative", title: `PC2 (${v2}%)` };
  const only = (role: string) => [{ filter: `datum.r === '${role}'` }];
  const spec: VegaLiteSpec = {
    $schema: VEGALITE_SCHEMA,
    title: { text: title, subtitle, subtitleColor: "#4b5563" },
    width: opts.width ?? 520,
    height: opts.height ?? 420,
    data: { values: [...others, ...marked] },
    layer: [
      {
        transform: only("o"),
        mark: { type: "circle", size: 10, color: "#9ca3af", opacity: 0.35 },
        encoding: { x, y, tooltip: [{ field: "w", type: "nominal", title: "palabra" }] },
      },
      {
        transform: only("n"),
        mark: { type: "circle", size: 45, opacity: 0.9 },
        encoding: {
          x,
          y,
          color,
          tooltip: [
            { field: "w", type: "nominal", title: "vecina" },
            { field: "p", type: "nominal", title: "de" },
          ],
        },
      },
      {
        transform: only("n"),
        mark: { type: "text", align: "left", dx: 5, fontSize: 9 },
        encoding: { x, y, color, text: { field: "w", type: "nominal" } },
      },
      {
        transform: only("p"),
        mark: { type: "point", shape: "diamond", size: 170, filled: true, opacity: 1, stroke: "#111827", strokeWidth: 1 },
        encoding: { x, y, color, tooltip: [{ field: "w", type: "nominal", title: "palabra" }] },
      },
      {
        transform: only("p"),
        mark: { type: "text", align: "left", dx: 9, dy: -9, fontSize: 14, fontWeight: "bold" },
        encoding: { x, y, color, text: { field: "w", type: "nominal" } },
      },
    ],
  };
  const lines = [`${title}: ${subtitle[0]}`];
  for (const p of probeList) {
    const id = tok2id.get(p.word);
    const at = id === undefined ? "(no está en el vocabulario)" : `(${Array.from(res.projections[id], (v) => v.toFixed(3)).join(", ")})`;
    lines.push(`${p.word} ${at}: vecinas ${(p.neighbours ?? []).join(", ")}`);
  }
  if (missing.length) lines.push(subtitle[subtitle.length - 1]);
  return { spec, text: lines.join("\n") };
}

/** Shows the PCA picture of the word vectors with the probe words and their neighbours (one output). */
export function plotEmbeddingPCA(
  wordvecs: WordVectors,
  id2tok: IdToToken,
  probes: readonly ProbeNeighbours[],
  opts: EmbeddingPcaOptions = {},
): void {
  const { spec, text } = embeddingPcaChart(wordvecs, id2tok, probes, opts);
  showChart(spec, text);
}
