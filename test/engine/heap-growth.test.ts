import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { growthPages, installHeapGrowth, MAX_EXTRA_GROWTH_BYTES, WasmMemoryClass } from "../../lib/engine/heap-growth";

const MiB = 2 ** 20;
const PAGE = 65536;

test("growthPages: at least the request, at least a doubling, never more than 512 MiB extra", () => {
  assert.is(growthPages(256, 10), 256); // 16 MiB heap, small request -> +16 MiB
  assert.is(growthPages(256, 300), 300); // a request larger than the heap is granted as is
  const cap = MAX_EXTRA_GROWTH_BYTES / PAGE;
  assert.is(cap, 8192);
  assert.is(growthPages(16384, 5), cap); // 1 GiB heap -> +512 MiB, not +1 GiB
  assert.is(growthPages(16384, cap + 1), cap + 1);
});

test("a growth past the memory's maximum falls back to the exact request", () => {
  const m = new WasmMemoryClass({ initial: 6, maximum: 10 });
  assert.ok(installHeapGrowth(m));
  assert.not.ok(installHeapGrowth(m), "second install is a no-op");
  assert.is(m.grow(1), 6, "returns the old size in pages, like grow"); // a doubling (+6) would pass 10
  assert.is(m.buffer.byteLength, 7 * PAGE);
  assert.is(m.grow(1), 7);
  assert.is(m.buffer.byteLength, 8 * PAGE);
  assert.throws(() => m.grow(3), RangeError, "a request over the maximum still fails");
  const d = new WasmMemoryClass({ initial: 2, maximum: 100 });
  installHeapGrowth(d);
  d.grow(1);
  assert.is(d.buffer.byteLength, 4 * PAGE, "room to double: doubled");
});

test("tfjs's wasm heap grows in doublings and keeps every tensor's data (fresh process)", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "fixtures", "engine", "heap-growth-child.ts")], {
    encoding: "utf8",
  });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { sizes: number[]; intact: boolean; patched: boolean };
  assert.ok(out.patched, "the backend's heap has the growth policy");
  assert.ok(out.intact, "every tensor kept its values across growths");
  const growths = out.sizes.filter((s, i) => i > 0 && s !== out.sizes[i - 1]).length;
  const first = out.sizes[0]!,
    last = out.sizes[out.sizes.length - 1]!;
  assert.ok(last >= 160 * MiB, `heap ${last / MiB} MiB holds 160 MiB of tensors`);
  // Emscripten's own +20% steps take 13 growths from 16 MiB to 160 MiB; doublings take 4.
  const bound = Math.ceil(Math.log2(last / first));
  assert.ok(growths <= bound, `${growths} growths from ${first / MiB} to ${last / MiB} MiB (doublings: ${bound})`);
});

test.run();
