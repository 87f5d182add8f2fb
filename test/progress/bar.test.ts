/**
 * The progress bar (fake clock, display sink standing in for the kernel): one output replaced in
 * place at most every 500 ms, the final state always sent by close(); counts, elapsed, ETA and the
 * running mean loss computed by hand; outside a kernel, \r-free lines at most every logIntervalMs.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { progressBar } from "../../lib/progress/bar";
import { formatDuration, textBar } from "../../lib/progress/format";
import { captureDisplays, captureStdout } from "../plot/capture";

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

test("format helpers", () => {
  assert.is(formatDuration(0), "0:00");
  assert.is(formatDuration(7_400), "0:07");
  assert.is(formatDuration(750_000), "12:30");
  assert.is(formatDuration(3_723_000), "1:02:03");
  assert.is(formatDuration(NaN), "?");
  assert.is(textBar(0.5, 10), "█████░░░░░");
  assert.is(textBar(2, 4), "████");
  assert.is(textBar(NaN, 3), "░░░");
});

test("in a notebook: one display, updates at most every 500 ms, final state on close", () => {
  const c = clock();
  const sent = captureDisplays(() => {
    const bar = progressBar({ total: 20, label: "Época 1", now: c.now });
    for (let i = 0; i < 20; i++) {
      c.advance(100); // 100 ms per batch -> an update every 5 batches
      bar.update({ loss: 10 - i * 0.5 });
    }
    bar.close();
    bar.close(); // idempotent
    bar.update({ loss: 1 }); // ignored after close
  });
  assert.is(sent[0].update, false);
  const id = sent[0].msg.transient.display_id;
  assert.ok(id);
  for (const s of sent.slice(1)) {
    assert.is(s.update, true);
    assert.is(s.msg.transient.display_id, id);
    assert.equal(Object.keys(s.msg.data), ["text/plain"]);
  }
  // updates at t = +500, +1000, +1500, +2000 (batches 5, 10, 15, 20), then close
  assert.is(sent.length, 1 + 4 + 1);
  const text = sent.map((s) => s.msg.data["text/plain"] as string);
  assert.match(text[0], /^Época 1 ░+ 0\/20 lotes · 0:00 transcurrido$/);
  // after 5 batches in 0.5 s: 15 left at 0.1 s each = 1.5 s -> "0:02" (rounded); mean of 10, 9.5, 9, 8.5, 8 = 9
  assert.match(text[1], /^Época 1 █{6}░{18} 5\/20 lotes · 0:01 transcurrido · faltan ~0:02 · loss 8\.0000 \(media 9\.0000\)$/);
  // final: mean of 10 - 0.5 i for i < 20 = 10 - 0.5 * 9.5 = 5.25
  assert.match(text[text.length - 1], /^Época 1 █{24} 20\/20 lotes · 0:02 transcurrido · terminado · loss 0\.5000 \(media 5\.2500\)$/);
});

test("ETA by hand: 5 of 20 steps in 10 s -> 30 s left", () => {
  const c = clock();
  captureDisplays(() => {
    const bar = progressBar({ total: 20, now: c.now });
    c.advance(10_000);
    bar.update({ steps: 5 });
    assert.is(bar.done, 5);
    assert.is(bar.etaMs, 30_000);
    assert.match(bar.line(), /faltan ~0:30/);
    assert.ok(Number.isNaN(bar.meanLoss));
  });
});

test("NaN / Infinity losses are shown, not thrown", () => {
  const c = clock();
  captureDisplays(() => {
    const bar = progressBar({ total: 2, now: c.now });
    bar.update({ loss: NaN });
    bar.update({ loss: Infinity });
    assert.match(bar.line(), /loss Infinity \(media NaN\)/);
  });
});

test("outside a notebook: plain lines (no \\r) at most every logIntervalMs, plus the final line", () => {
  const c = clock();
  const out = captureStdout(() => {
    const bar = progressBar({ total: 100, label: "Época 2", now: c.now, logIntervalMs: 1000 });
    for (let i = 0; i < 100; i++) {
      c.advance(50);
      bar.update({ loss: 1 });
    }
    bar.close();
  });
  assert.not.match(out, /\r/);
  const lines = out.trimEnd().split("\n");
  // 5 s of work, a line per second (at batches 20, 40, 60, 80, 100) and the final line
  assert.is(lines.length, 6);
  assert.match(lines[0], /^Época 2 .* 20\/100 lotes/);
  assert.match(lines[5], /^Época 2 .* 100\/100 lotes · 0:05 transcurrido · terminado · loss 1\.0000 \(media 1\.0000\)$/);
});

test("without a total: a count, no bar and no ETA", () => {
  const c = clock();
  captureDisplays(() => {
    const bar = progressBar({ label: "Evaluación", unit: "lotes", now: c.now });
    bar.update();
    bar.update();
    assert.is(bar.line(), "Evaluación 2 lotes · 0:00 transcurrido");
  });
});

test("bad options are refused with a message naming them", () => {
  assert.throws(() => progressBar({ total: 0 }), /total debe ser un número > 0, se recibió 0/);
  assert.throws(() => progressBar({ total: NaN }), /total/);
  assert.throws(() => progressBar({ total: "10" as never }), /total/);
  captureDisplays(() => {
    const bar = progressBar({ total: 3 });
    assert.throws(() => bar.update({ steps: -1 }), /steps/);
  });
});

test.run();
