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

/** A validated header: tensor entries in file order, metadata, and where the tensor bytes start. */
export interface SafetensorsIndex {
  entries: Map<string, SafetensorsHeaderEntry>;
  metadata: Record<string, string>;
  /** Byte offset of the data section (8 + header length). */
  dataStart: number;
}

/** Length of the JSON header from the first 8 bytes; checks it fits in a file of `fileSize` bytes. */
function headerLength(first8: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8) fail(source, `truncated: ${fileSize} bytes, not even the 8-byte header length`);
  const n = Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > fileSize)
    fail(source, `truncated: header says ${n} bytes of JSON header, but the file has only ${fileSize - 8} after the length`);
  return n;
}

/**
 * Parses and validates the JSON header (dtypes, shapes, offsets against shapes, and that the file of
 * `fileSize` bytes holds every tensor it describes) before any tensor byte is read.
 */
function parseHeader(json: Uint8Array, fileSize: number, source: string): SafetensorsIndex {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json));
  } catch (e) {
    fail(source, `not a safetensors file (header is not valid UTF-8 JSON: ${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail(source, "header is not a JSON object");
  const dataStart = 8 + json.length;
  const dataLen = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsHeaderEntry>();
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
    entries.set(name, e);
  }
  if (needed > dataLen)
    fail(
      source,
      `truncated: the header describes ${needed} bytes of tensor data, but the file has only ${dataLen} ` +
        `(file size ${fileSize}, expected ${dataStart + needed})`,
    );
  return { entries, metadata, dataStart };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor's values from its raw bytes (`bytes` starts at the tensor; 4-byte aligned when owned). */
function decodeEntry(bytes: Uint8Array, e: SafetensorsHeaderEntry, source: string, name: string): DecodedTensor {
  const count = e.shape.reduce((a, b) => a * b, 1);
  let data: DecodedTensor["data"];
  // Same byte order as the file and aligned: the bytes already are the values (no per-element loop).
  if (LITTLE_ENDIAN && (e.dtype === "F32" || e.dtype === "I32") && bytes.byteOffset % 4 === 0)
    data =
      e.dtype === "F32" ? new Float32Array(bytes.buffer, bytes.byteOffset, count) : new Int32Array(bytes.buffer, bytes.byteOffset, count);
  else data = convert(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, e.dtype, count, source, name);
  return { dtype: data instanceof Float32Array ? "float32" : "int32", shape: e.shape, data };
}

/** Parses safetensors bytes; `source` (e.g. the file name) prefixes every error message. */
export function decodeSafetensors(bytes: Uint8Array, source = "safetensors"): DecodedSafetensors {
  const n = headerLength(bytes, bytes.length, source);
  const { entries, metadata, dataStart } = parseHeader(bytes.subarray(8, 8 + n), bytes.length, source);
  const tensors = new Map<string, DecodedTensor>();
  for (const [name, e] of entries) {
    // A copy: the values must not alias (or pin) the caller's whole buffer.
    const own = bytes.slice(dataStart + e.data_offsets[0], dataStart + e.data_offsets[1]);
    tensors.set(name, decodeEntry(own, e, source, name));
  }
  return { tensors, metadata };
}

/**
 * A safetensors file opened for reading one tensor at a time: the header is read and validated
 * (including the file's length) at open; `read(name)` then reads only that tensor's bytes. Loading a
 * model this way holds one tensor in JS memory at a time instead of the whole file (the notebook's
 * Seq2Seq checkpoint is 56 MB, read at the end of a run whose peak memory is budgeted).
 */
export class SafetensorsFile {
  readonly entries: Map<string, SafetensorsHeaderEntry>;
  readonly metadata: Record<string, string>;
  private readonly dataStart: number;
  private fd: number | null;

  constructor(readonly file: string) {
    try {
      this.fd = fs.openSync(file, "r");
    } catch (e) {
      throw new Error(`cannot read checkpoint ${file}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const size = fs.fstatSync(this.fd).size;
      const n = headerLength(this.bytesAt(0, Math.min(8, size)), size, file);
      ({ entries: this.entries, metadata: this.metadata, dataStart: this.dataStart } = parseHeader(this.bytesAt(8, n), size, file));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private bytesAt(position: number, length: number): Uint8Array {
    if (this.fd === null) throw new Error(`${this.file}: already closed`);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const got = fs.readSync(this.fd, out, done, length - done, position + done);
      if (got === 0) fail(this.file, `truncated while reading: got ${done} of ${length} bytes at offset ${position}`);
      done += got;
    }
    return out;
  }

  /** The values of tensor `name` (throws naming the file if there is no such tensor). */
  read(name: string): DecodedTensor {
    const e = this.entries.get(name);
    if (!e) fail(this.file, `no tensor named ${name}`);
    return decodeEntry(this.bytesAt(this.dataStart + e.data_offsets[0], e.data_offsets[1] - e.data_offsets[0]), e, this.file, name);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Header bytes (u64 length + JSON padded with spaces so the data starts 8-byte aligned, as the reference implementation does). */
function encodeHeader(header: Record<string, unknown>): Uint8Array {
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  while (enc.encode(json).length % 8 !== 0) json += " ";
  const h = enc.encode(json);
  const out = new Uint8Array(8 + h.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

type Planned = { name: string; t: tf.Tensor; dtype: SafeDType; bytes: number };

/** Checks names and dtypes and lays the tensors out, before any data is read or written. */
function plan(tensors: Map<string, tf.Tensor>, metadata?: Record<string, string>): { header: Uint8Array; items: Planned[] } {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const items: Planned[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "__metadata__") throw new Error("a tensor may not be named __metadata__");
    const dtype: SafeDType | undefined =
      t.dtype === "float32" ? "F32" : t.dtype === "int32" ? "I32" : t.dtype === "bool" ? "BOOL" : undefined;
    if (!dtype) throw new Error(`tensor ${name}: dtype ${t.dtype} cannot be stored in safetensors here`);
    const bytes = BYTES[dtype] * t.size;
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    items.push({ name, t, dtype, bytes });
    offset += bytes;
  }
  return { header: encodeHeader(header), items };
}

/** A tensor's values as little-endian file bytes (a view, not a copy, on little-endian machines). */
function tensorBytes(item: Planned): Uint8Array {
  const values = item.t.dataSync();
  if (item.dtype === "BOOL") return Uint8Array.from(values as Uint8Array);
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, item.bytes);
  const out = new Uint8Array(item.bytes);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < item.t.size; i++) {
    if (item.dtype === "F32") dv.setFloat32(4 * i, values[i] as number, true);
    else dv.setInt32(4 * i, values[i] as number, true);
  }
  return out;
}

/** Serialises float32/int32 tensors (as F32/I32; bool as BOOL) with an 8-byte aligned header. */
export function encodeSafetensors(tensors: Map<string, tf.Tensor>, metadata?: Record<string, string>): Uint8Array {
  const { header, items } = plan(tensors, metadata);
  const out = new Uint8Array(header.length + items.reduce((s, it) => s + it.bytes, 0));
  out.set(header, 0);
  let p = header.length;
  for (const it of items) {
    out.set(tensorBytes(it), p);
    p += it.bytes;
  }
  return out;
}

/** Reads a .safetensors file into tfjs tensors (caller disposes them). */
export function readSafetensors(file: string): { tensors: Map<string, tf.Tensor>; metadata: Record<string, string> } {
  const f = new SafetensorsFile(file);
  const out = new Map<string, tf.Tensor>();
  try {
    for (const name of f.entries.keys()) {
      const t = f.read(name);
      out.set(name, tf.tensor(t.data, t.shape, t.dtype));
    }
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  } finally {
    f.close();
  }
  return { tensors: out, metadata: f.metadata };
}

/**
 * Writes a .safetensors file atomically: the bytes go to a temporary file in the same directory,
 * are fsync'ed, and the temporary file is renamed over `file`, so a crash mid-write never leaves a
 * truncated file in place of the previous one.
 */
export function writeSafetensors(file: string, tensors: Map<string, tf.Tensor>, metadata?: Record<string, string>): void {
  const { header, items } = plan(tensors, metadata); // fails (e.g. a bad dtype) before any file exists
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, "w");
    // One tensor at a time: a checkpoint never sits whole in memory beside the model.
    fs.writeSync(fd, header);
    for (const it of items) {
      const bytes = tensorBytes(it);
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new Error(`cannot write checkpoint ${file}: ${(e as Error).message}`, { cause: e });
  }
}
