import * as tf from "@tensorflow/tfjs-core";
import * as fs from "fs";
import * as path from "path";

/*
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian unsigned header length N,
 * N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}},
 * then the raw little-endian tensor bytes (offsets relative to the end of the header).
 * Written here (a page of code) because no maintained npm package for it exists in this project's
 * registry view; it reads what PyTorch's `safetensors.torch.save_file` writes and vice versa.
 */

/** Dtypes we read. Floats become float32 tensors, integers/bools become int32 (tfjs has no int64). */
export type SafeDType = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

const BYTES: Record<SafeDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface SafetensorsHeaderEntry {
  dtype: SafeDType;
  shape: number[];
  data_offsets: [number, number];
}

export interface DecodedTensor {
  dtype: "float32" | "int32";
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface DecodedSafetensors {
  tensors: Map<string, DecodedTensor>;
  metadata: Record<string, string>;
}

function fail(source: string, msg: string): never {
  throw new Error(`${source}: ${msg}`);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function convert(dv: DataView, begin: number, dtype: SafeDType, n: number, source: string, name: string): DecodedTensor["data"] {
  switch (dtype) {
    case "F32": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(begin + 4 * i, true);
      return out;
    }
    case "F64": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(begin + 8 * i, true);
      return out;
    }
    case "F16": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(begin + 2 * i, true));
      return out;
    }
    case "BF16": {
      const out = new Float32Array(n);
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        tmp.setUint32(0, dv.getUint16(begin + 2 * i, true) << 16);
        out[i] = tmp.getFloat32(0);
      }
      return out;
    }
    case "I64": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(begin + 8 * i, true);
        if (v > 2147483647n || v < -2147483648n) fail(source, `tensor ${name}: int64 value ${v} does not fit in int32`);
        out[i] = Number(v);
      }
      return out;
    }
    case "I32": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(begin + 4 * i, true);
      return out;
    }
    case "I16": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(begin + 2 * i, true);
      return out;
    }
    case "I8": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(begin + i);
      return out;
    }
    case "U8":
    case "BOOL": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getUint8(begin + i);
      return out;
    }
  }
}

/** Parses safetensors bytes; `source` (e.g. the file name) prefixes every error message. */
export function decodeSafetensors(bytes: Uint8Array, source = "safetensors"): DecodedSafetensors {
  if (bytes.length < 8) fail(source, `truncated: ${bytes.length} bytes, not even the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (8 + n > bytes.length)
    fail(source, `truncated: header says ${n} bytes of JSON header, but the file has only ${bytes.length - 8} after the length`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(source, `not a safetensors file (header is not valid UTF-8 JSON: ${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail(source, "header is not a JSON object");
  const base = 8 + n;
  const dataLen = bytes.length - base;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, DecodedTensor>();
  let needed = 0;
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) metadata[k] = String(v);
      continue;
    }
    const e = raw as SafetensorsHeaderEntry;
    if (!e || !(e.dtype in BYTES)) fail(source, `tensor ${name}: unsupported dtype ${JSON.stringify(e?.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(source, `tensor ${name}: bad shape ${JSON.stringify(e.shape)}`);
    const [begin, end] = e.data_offsets ?? [];
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin || end - begin !== count * BYTES[e.dtype])
      fail(source, `tensor ${name}: data_offsets ${JSON.stringify(e.data_offsets)} do not match ${e.dtype}[${e.shape.join(", ")}]`);
    needed = Math.max(needed, end);
  }
  if (needed > dataLen)
    fail(source, `truncated: the header describes ${needed} bytes of tensor data, but the file has only ${dataLen} (file size ${bytes.length}, expected ${base + needed})`);
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = raw as SafetensorsHeaderEntry;
    const count = e.shape.reduce((a, b) => a * b, 1);
    const data = convert(dv, base + e.data_offsets[0], e.dtype, count, source, name);
    tensors.set(name, { dtype: data instanceof Float32Array ? "float32" : "int32", shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** Serialises float32/int32 tensors (as F32/I32; bool as BOOL) with an 8-byte aligned header. */
export function encodeSafetensors(tensors: Map<string, tf.Tensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "__metadata__") throw new Error("a tensor may not be named __metadata__");
    let dtype: SafeDType;
    let chunk: Uint8Array;
    const values = t.dataSync();
    if (t.dtype === "float32") {
      dtype = "F32";
      chunk = new Uint8Array(4 * t.size);
      const dv = new DataView(chunk.buffer);
      for (let i = 0; i < t.size; i++) dv.setFloat32(4 * i, values[i] as number, true);
    } else if (t.dtype === "int32") {
      dtype = "I32";
      chunk = new Uint8Array(4 * t.size);
      const dv = new DataView(chunk.buffer);
      for (let i = 0; i < t.size; i++) dv.setInt32(4 * i, values[i] as number, true);
    } else if (t.dtype === "bool") {
      dtype = "BOOL";
      chunk = Uint8Array.from(values as Uint8Array);
    } else throw new Error(`tensor ${name}: dtype ${t.dtype} cannot be stored in safetensors here`);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + chunk.length] };
    chunks.push(chunk);
    offset += chunk.length;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  // Pad with spaces so tensor data starts 8-byte aligned, as the reference implementation does.
  while (enc.encode(json).length % 8 !== 0) json += " ";
  const h = enc.encode(json);
  const out = new Uint8Array(8 + h.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  let p = 8 + h.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Reads a .safetensors file into tfjs tensors (caller disposes them). */
export function readSafetensors(file: string): { tensors: Map<string, tf.Tensor>; metadata: Record<string, string> } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read checkpoint ${file}: ${(e as Error).message}`);
  }
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  const out = new Map<string, tf.Tensor>();
  for (const [name, t] of tensors) out.set(name, tf.tensor(t.data, t.shape, t.dtype));
  return { tensors: out, metadata };
}

/**
 * Writes a .safetensors file atomically: the bytes go to a temporary file in the same directory,
 * are fsync'ed, and the temporary file is renamed over `file`, so a crash mid-write never leaves a
 * truncated file in place of the previous one.
 */
export function writeSafetensors(file: string, tensors: Map<string, tf.Tensor>, metadata?: Record<string, string>): void {
  const bytes = encodeSafetensors(tensors, metadata);
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new Error(`cannot write checkpoint ${file}: ${(e as Error).message}`);
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}
