import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { decodeSafetensors, encodeSafetensors, loadCheckpoint, saveCheckpoint } from "../../lib/checkpoint";
import { LSTM } from "../../lib/nn/lstm";
import { Random } from "../../lib/random";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab4-ckpt-"));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("byte layout follows the format: u64 LE header length, JSON header, LE data, 8-byte aligned", () => {
  const bytes = encodeSafetensors(
    new Map([
      ["w", tf.tensor([1.5, -2], [2], "float32")],
      ["i", tf.tensor([7], [1], "int32")],
    ]),
    {
      note: "x",
    },
  );
  const dv = new DataView(bytes.buffer);
  const n = Number(dv.getBigUint64(0, true));
  assert.is((8 + n) % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.equal(header.__metadata__, { note: "x" });
  assert.equal(header.w, { dtype: "F32", shape: [2], data_offsets: [0, 8] });
  assert.equal(header.i, { dtype: "I32", shape: [1], data_offsets: [8, 12] });
  assert.is(dv.getFloat32(8 + n, true), 1.5);
  assert.is(dv.getFloat32(8 + n + 4, true), -2);
  assert.is(dv.getInt32(8 + n + 8, true), 7);
  assert.is(bytes.length, 8 + n + 12);
});

test("decodes the dtypes PyTorch writes (F64, F16, BF16, I64) by hand-built bytes", () => {
  const header = JSON.stringify({
    a: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
    b: { dtype: "BF16", shape: [1], data_offsets: [4, 6] },
    c: { dtype: "I64", shape: [1], data_offsets: [6, 14] },
    d: { dtype: "F64", shape: [1], data_offsets: [14, 22] },
  });
  const h = new TextEncoder().encode(header);
  const buf = new Uint8Array(8 + h.length + 22);
  const dv = new DataView(buf.buffer);
  dv.setBigUint64(0, BigInt(h.length), true);
  buf.set(h, 8);
  const b = 8 + h.length;
  dv.setUint16(b, 0x3c00, true); // 1.0 in half precision
  dv.setUint16(b + 2, 0xc000, true); // -2.0
  dv.setUint16(b + 4, 0x4049, true); // bf16 of 3.140625
  dv.setBigInt64(b + 6, -5n, true);
  dv.setFloat64(b + 14, 0.25, true);
  const { tensors } = decodeSafetensors(buf);
  assert.equal(Array.from(tensors.get("a")!.data), [1, -2]);
  assert.equal(Array.from(tensors.get("b")!.data), [3.140625]);
  assert.equal(Array.from(tensors.get("c")!.data), [-5]);
  assert.is(tensors.get("c")!.dtype, "int32");
  assert.equal(Array.from(tensors.get("d")!.data), [0.25]);
});

test("save/load round trip restores every parameter exactly", () => {
  const a = new LSTM(3, 4, 2, { rng: new Random(1) });
  const b = new LSTM(3, 4, 2, { rng: new Random(2) });
  const file = path.join(dir, "rt.safetensors");
  const live = tf.memory().numTensors;
  saveCheckpoint(a, file);
  loadCheckpoint(b, file);
  assert.is(tf.memory().numTensors, live, "saving and loading leave no tensor behind");
  for (const [[n, p], [, q]] of a.namedParameters().map((x, i) => [x, b.namedParameters()[i]] as const))
    assert.equal(Array.from(p.dataSync()), Array.from(q.dataSync()), n);
  assert.equal(fs.readdirSync(dir), ["rt.safetensors"], "no temporary file left behind");
});

test("a checkpoint of other sizes or names is refused, listing every mismatch, and changes nothing", () => {
  const file = path.join(dir, "small.safetensors");
  saveCheckpoint(new LSTM(3, 4, 1, { rng: new Random(1) }), file);
  const m = new LSTM(3, 5, 2, { rng: new Random(3) });
  const before = m.parameters().map((p) => Array.from(p.dataSync()));
  let msg = "";
  try {
    loadCheckpoint(m, file);
  } catch (e) {
    msg = (e as Error).message;
  }
  assert.match(msg, /small\.safetensors/);
  assert.match(msg, /weight_ih_l0: expected \[20, 3\], got \[16, 3\]/);
  assert.match(msg, /weight_hh_l0: expected \[20, 5\], got \[16, 4\]/);
  assert.match(msg, /missing weight_ih_l1/);
  assert.match(msg, /missing bias_hh_l1/);
  assert.equal(
    m.parameters().map((p) => Array.from(p.dataSync())),
    before,
  );
});

test("a truncated file is refused with the file name and byte counts; the model is untouched", () => {
  const file = path.join(dir, "cut.safetensors");
  const m = new LSTM(3, 4, 1, { rng: new Random(1) });
  saveCheckpoint(m, file);
  const full = fs.readFileSync(file);
  fs.writeFileSync(file, full.subarray(0, full.length - 10));
  const before = m.parameters().map((p) => Array.from(p.dataSync()));
  assert.throws(
    () => loadCheckpoint(m, file),
    (e: Error) =>
      e.message.includes("cut.safetensors") &&
      /truncated/.test(e.message) &&
      e.message.includes(`only ${full.length - 10 - 8 - Number(full.readBigUInt64LE(0))}`) &&
      e.message.includes(`expected ${full.length}`),
  );
  fs.writeFileSync(file, full.subarray(0, 20));
  assert.throws(() => loadCheckpoint(m, file), /cut\.safetensors: truncated: header says \d+ bytes of JSON header/);
  fs.writeFileSync(file, Buffer.from("garbage!garbage!garbage"));
  assert.throws(() => loadCheckpoint(m, file), /cut\.safetensors/);
  assert.equal(
    m.parameters().map((p) => Array.from(p.dataSync())),
    before,
  );
  assert.throws(() => loadCheckpoint(m, path.join(dir, "nope.safetensors")), /cannot read checkpoint .*nope\.safetensors/);
});

/** A safetensors file built by hand from (name, dtype, shape, bytes) records. */
function handBuilt(file: string, records: [string, string, number[], Uint8Array][]): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [name, dtype, shape, bytes] of records) {
    header[name] = { dtype, shape, data_offsets: [off, off + bytes.length] };
    off += bytes.length;
  }
  const h = new TextEncoder().encode(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  fs.writeFileSync(file, Buffer.concat([len, h, ...records.map((r) => r[3])]));
}
const f64 = (xs: number[]) => new Uint8Array(Float64Array.from(xs).buffer);
const f16 = (xs: number[]) => new Uint8Array(Uint16Array.from(xs).buffer); // raw half-precision bits

test("a checkpoint written in other float dtypes (F64, F16) loads, converted to the model's float32", () => {
  const file = path.join(dir, "f64.safetensors");
  handBuilt(file, [
    ["weight_ih_l0", "F64", [4, 1], f64([0.5, -1, 2, 0.25])],
    ["weight_hh_l0", "F16", [4, 1], f16([0x3c00, 0xc000, 0x3800, 0])], // 1, -2, 0.5, 0
    ["bias_ih_l0", "F64", [4], f64([1, 2, 3, 4])],
    ["bias_hh_l0", "F64", [4], f64([-1, -2, -3, -4])],
  ]);
  const m = new LSTM(1, 1, 1, { rng: new Random(5) });
  loadCheckpoint(m, file);
  const got = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, Array.from(p.dataSync())]));
  assert.equal(got, {
    weight_ih_l0: [0.5, -1, 2, 0.25],
    weight_hh_l0: [1, -2, 0.5, 0],
    bias_ih_l0: [1, 2, 3, 4],
    bias_hh_l0: [-1, -2, -3, -4],
  });
  assert.ok(m.parameters().every((p) => p.dtype === "float32"));
});

test("a tensor that cannot be converted (int64 beyond int32) refuses the file before any parameter changes", () => {
  const file = path.join(dir, "i64.safetensors");
  const i64 = new Uint8Array(BigInt64Array.from([1n, 2n, 1n << 40n, 3n]).buffer);
  handBuilt(file, [
    ["weight_ih_l0", "F64", [4, 1], f64([9, 9, 9, 9])],
    ["weight_hh_l0", "F64", [4, 1], f64([9, 9, 9, 9])],
    ["bias_ih_l0", "F64", [4], f64([9, 9, 9, 9])],
    ["bias_hh_l0", "I64", [4], i64],
  ]);
  const m = new LSTM(1, 1, 1, { rng: new Random(6) });
  const before = m.parameters().map((p) => Array.from(p.dataSync()));
  assert.throws(
    () => loadCheckpoint(m, file),
    (e: Error) => e.message.includes("i64.safetensors") && /bias_hh_l0: int64 value 1099511627776 does not fit in int32/.test(e.message),
  );
  assert.equal(
    m.parameters().map((p) => Array.from(p.dataSync())),
    before,
  );
});

test("saving over an existing checkpoint replaces it atomically (a failed write keeps the old file)", () => {
  const file = path.join(dir, "best.safetensors");
  const m = new LSTM(2, 2, 1, { rng: new Random(4) });
  saveCheckpoint(m, file);
  const old = fs.readFileSync(file);
  // A tensor that cannot be serialised makes the write fail before the rename.
  const bad = { stateDict: () => new Map([["x", tf.complex([1], [1])]]) } as unknown as LSTM;
  assert.throws(() => saveCheckpoint(bad, file), /complex64 cannot be stored/);
  assert.equal(fs.readFileSync(file), old);
  assert.equal(
    fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")),
    [],
  );
});

test.run();
