import { deflateSync } from 'node:zlib';
import type { TrendBucket } from './health';

/**
 * A small bar chart as a PNG, drawn here: bars are rectangles, so a few lines of rasterising
 * and Node's zlib make the image, with no charting package and no native binary to install.
 * Palette PNG (4 colours), so the image stays near 1 KB and fits in the card as a data: URI.
 *
 * Legible in light and dark themes: the chart sits on its own white panel with a grey border,
 * bars in a blue and an amber that stay apart for the common colour-vision deficiencies. It has
 * no text (fonts differ per machine): the card says what the bars are, beside the image.
 */
export const CHART_WIDTH = 480;
export const CHART_HEIGHT = 120;

const PALETTE = [
  [0xff, 0xff, 0xff], // 0 panel
  [0xb0, 0xb0, 0xb0], // 1 border and baseline
  [0x1f, 0x6f, 0xd1], // 2 people (blue)
  [0xe0, 0x8a, 0x00], // 3 stories (amber)
] as const;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encodes an indexed image (one palette index per pixel) as PNG. */
export function encodePng(pixels: Uint8Array, width: number, height: number): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter: none
    raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // indexed colour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', Buffer.from(PALETTE.flat())),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** People taking part (blue) and stories (amber) per bucket, side by side, scaled to the tallest. */
export function trendChartPng(trend: readonly TrendBucket[]): Buffer {
  const w = CHART_WIDTH;
  const h = CHART_HEIGHT;
  const px = new Uint8Array(w * h);
  const fill = (x0: number, y0: number, x1: number, y1: number, c: number): void => {
    for (let y = Math.max(0, y0); y < Math.min(h, y1); y++) px.fill(c, y * w + Math.max(0, x0), y * w + Math.min(w, x1));
  };
  fill(0, 0, w, 1, 1);
  fill(0, h - 1, w, h, 1);
  fill(0, 0, 1, h, 1);
  fill(w - 1, 0, w, h, 1);
  const pad = 8;
  const base = h - pad;
  fill(pad, base, w - pad, base + 1, 1);
  const max = Math.max(1, ...trend.map((b) => Math.max(b.people, b.stories)));
  const slot = (w - 2 * pad) / Math.max(1, trend.length);
  const bar = Math.max(2, Math.floor(slot * 0.35));
  trend.forEach((b, i) => {
    const x = Math.round(pad + i * slot + slot * 0.1);
    const hp = Math.round(((base - pad) * b.people) / max);
    const hs = Math.round(((base - pad) * b.stories) / max);
    fill(x, base - hp, x + bar, base, 2);
    fill(x + bar + 1, base - hs, x + 2 * bar + 1, base, 3);
  });
  return encodePng(px, w, h);
}

export function pngDataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}
