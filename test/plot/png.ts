/**
 * A small PNG decoder for tests (8-bit grey/RGB/RGBA, grey+alpha, palette; not interlaced):
 * enough to check our own charts (resvg) and chromium's screenshots pixel by pixel.
 */
import * as zlib from "node:zlib";

export interface Image {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

export function decodePng(buf: Buffer): Image {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG (bad signature)");
  let off = 8;
  let width = 0,
    height = 0,
    depth = 0,
    colorType = 0,
    interlace = 0;
  let palette: Buffer | null = null;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString("latin1", off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    off += 12 + len;
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8];
      colorType = data[9];
      interlace = data[12];
    } else if (type === "PLTE") palette = Buffer.from(data);
    else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
  }
  if (depth !== 8) throw new Error(`PNG bit depth ${depth} not supported`);
  if (interlace !== 0) throw new Error("interlaced PNG not supported");
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels) throw new Error(`PNG color type ${colorType} not supported`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const cur = new Uint8Array(stride);
  let prev = new Uint8Array(stride);
  const rgba = new Uint8Array(width * height * 4);
  let p = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[p++];
    for (let i = 0; i < stride; i++) {
      const x = raw[p++];
      const a = i >= channels ? cur[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const pp = a + b - c,
            pa = Math.abs(pp - a),
            pb = Math.abs(pp - b),
            pc = Math.abs(pp - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      cur[i] = v & 255;
    }
    for (let xPix = 0; xPix < width; xPix++) {
      const o = (y * width + xPix) * 4;
      const s = xPix * channels;
      if (colorType === 6) rgba.set(cur.subarray(s, s + 4), o);
      else if (colorType === 2) {
        rgba.set(cur.subarray(s, s + 3), o);
        rgba[o + 3] = 255;
      } else if (colorType === 0) {
        rgba.fill(cur[s], o, o + 3);
        rgba[o + 3] = 255;
      } else if (colorType === 4) {
        rgba.fill(cur[s], o, o + 3);
        rgba[o + 3] = cur[s + 1];
      } else {
        if (!palette) throw new Error("palette PNG without PLTE");
        const k = cur[s] * 3;
        rgba[o] = palette[k];
        rgba[o + 1] = palette[k + 1];
        rgba[o + 2] = palette[k + 2];
        rgba[o + 3] = 255;
      }
    }
    prev = Uint8Array.from(cur);
  }
  return { width, height, rgba };
}

/** Pixels far from white (any channel < 235 with alpha > 0) in an optional rectangle. */
export function inkPixels(img: Image, rect?: { x: number; y: number; w: number; h: number }): number {
  const r = rect ?? { x: 0, y: 0, w: img.width, h: img.height };
  let n = 0;
  for (let y = r.y; y < Math.min(img.height, r.y + r.h); y++)
    for (let x = r.x; x < Math.min(img.width, r.x + r.w); x++) {
      const o = (y * img.width + x) * 4;
      if (img.rgba[o + 3] > 0 && (img.rgba[o] < 235 || img.rgba[o + 1] < 235 || img.rgba[o + 2] < 235)) n++;
    }
  return n;
}

/** Pixels close (each channel within tol) to a colour given as "#rrggbb". */
export function pixelsNear(img: Image, hex: string, tol = 40): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let o = 0; o < img.rgba.length; o += 4)
    if (
      img.rgba[o + 3] > 200 &&
      Math.abs(img.rgba[o] - c[0]) <= tol &&
      Math.abs(img.rgba[o + 1] - c[1]) <= tol &&
      Math.abs(img.rgba[o + 2] - c[2]) <= tol
    )
      n++;
  return n;
}

/** Distinct colours (quantised to 4 bits per channel): a blank image has 1. */
export function distinctColours(img: Image): number {
  const seen = new Set<number>();
  for (let o = 0; o < img.rgba.length; o += 4) seen.add(((img.rgba[o] >> 4) << 8) | ((img.rgba[o + 1] >> 4) << 4) | (img.rgba[o + 2] >> 4));
  return seen.size;
}
