import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

/**
 * Draws the two Teams app icons (manifest/color.png 192x192, manifest/outline.png 32x32) with no
 * image library: a few shapes rendered with 4x4 supersampling and written as RGBA PNGs with
 * node:zlib. Run `node -r ts-node/register/transpile-only scripts/make-icons.ts` after changing
 * the emblem; the PNGs are committed.
 *
 * The emblem is a network: a hub (the coach) with six members around it, each linked to the hub
 * and to its neighbours.
 */

export type Rgba = readonly [number, number, number, number];

export type Shape =
  | { kind: 'circle'; cx: number; cy: number; r: number }
  | { kind: 'ring'; cx: number; cy: number; r: number; width: number }
  | { kind: 'segment'; x1: number; y1: number; x2: number; y2: number; width: number };

export interface Layer {
  shape: Shape;
  color: Rgba;
}

export const ACCENT: Rgba = [0x3a, 0x56, 0xd4, 255]; // #3A56D4, also the manifest's accentColor
const HUB: Rgba = [0xff, 0xc8, 0x3d, 255];
const WHITE: Rgba = [255, 255, 255, 255];

function inside(shape: Shape, x: number, y: number): boolean {
  switch (shape.kind) {
    case 'circle':
      return (x - shape.cx) ** 2 + (y - shape.cy) ** 2 <= shape.r ** 2;
    case 'ring': {
      const d = Math.hypot(x - shape.cx, y - shape.cy);
      return Math.abs(d - shape.r) <= shape.width / 2;
    }
    case 'segment': {
      const dx = shape.x2 - shape.x1;
      const dy = shape.y2 - shape.y1;
      const t = Math.max(0, Math.min(1, ((x - shape.x1) * dx + (y - shape.y1) * dy) / (dx * dx + dy * dy)));
      return Math.hypot(x - (shape.x1 + t * dx), y - (shape.y1 + t * dy)) <= shape.width / 2;
    }
  }
}

/** Paints the layers in order (source-over) on a background, averaging 4x4 samples per pixel. */
export function render(size: number, background: Rgba, layers: readonly Layer[]): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = px + (sx + 0.5) / n;
          const y = py + (sy + 0.5) / n;
          let [r, g, b, a] = background.map((v, i) => (i < 3 ? v : v / 255));
          for (const layer of layers) {
            if (!inside(layer.shape, x, y)) continue;
            const la = layer.color[3] / 255;
            const na = la + a * (1 - la);
            if (na > 0) {
              r = (layer.color[0] * la + r * a * (1 - la)) / na;
              g = (layer.color[1] * la + g * a * (1 - la)) / na;
              b = (layer.color[2] * la + b * a * (1 - la)) / na;
            }
            a = na;
          }
          // Premultiplied accumulation, so edge samples against transparency keep their colour.
          acc[0] += r * a;
          acc[1] += g * a;
          acc[2] += b * a;
          acc[3] += a;
        }
      }
      const i = (py * size + px) * 4;
      const alpha = acc[3] / (n * n);
      out[i + 3] = Math.round(alpha * 255);
      if (acc[3] > 0) {
        out[i] = Math.round(acc[0] / acc[3]);
        out[i + 1] = Math.round(acc[1] / acc[3]);
        out[i + 2] = Math.round(acc[2] / acc[3]);
      }
    }
  }
  return out;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit RGBA PNG (colour type 6), every scanline with filter 0. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new Error('pixel buffer does not match the size');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

interface EmblemSize {
  centre: number;
  orbit: number;
  hubR: number;
  memberR: number;
  link: number;
  rim: number;
}

/**
 * The network emblem: six members on an orbit, linked to the hub (full strokes) and to their
 * neighbours (fainter strokes). The hub is a white disc with a coloured core, or a white ring on
 * the outline icon (which may only hold white).
 */
function emblem(s: EmblemSize, ink: Rgba, hub: { core: Rgba } | 'ring'): Layer[] {
  const c = s.centre;
  const dirs = Array.from({ length: 6 }, (_, k) => -Math.PI / 2 + (k * Math.PI) / 3).map((a) => ({ x: Math.cos(a), y: Math.sin(a) }));
  const members = dirs.map((d) => ({ x: c + s.orbit * d.x, y: c + s.orbit * d.y }));
  const faint: Rgba = [ink[0], ink[1], ink[2], Math.round(ink[3] * 0.55)];
  const hubOuter = s.hubR + s.link;
  const layers: Layer[] = [];
  members.forEach((m, k) => {
    const next = members[(k + 1) % members.length];
    layers.push({ shape: { kind: 'segment', x1: m.x, y1: m.y, x2: next.x, y2: next.y, width: s.rim }, color: faint });
  });
  dirs.forEach((d, k) => {
    const m = members[k];
    layers.push({ shape: { kind: 'segment', x1: c + hubOuter * d.x, y1: c + hubOuter * d.y, x2: m.x, y2: m.y, width: s.link }, color: ink });
  });
  for (const m of members) layers.push({ shape: { kind: 'circle', cx: m.x, cy: m.y, r: s.memberR }, color: ink });
  if (hub === 'ring') {
    layers.push({ shape: { kind: 'ring', cx: c, cy: c, r: hubOuter - s.link / 2, width: s.link }, color: ink });
  } else {
    layers.push({ shape: { kind: 'circle', cx: c, cy: c, r: hubOuter }, color: ink });
    layers.push({ shape: { kind: 'circle', cx: c, cy: c, r: s.hubR }, color: hub.core });
  }
  return layers;
}

/** 192x192 full-colour icon: the emblem in white and yellow on the accent colour, inside the 120 px safe zone. */
export function colorIcon(): Buffer {
  const size = 192;
  const layers = emblem({ centre: 96, orbit: 46, hubR: 14, memberR: 11, link: 7, rim: 4 }, WHITE, { core: HUB });
  return encodePng(size, size, render(size, ACCENT, layers));
}

/** 32x32 outline icon: white only, on a transparent background. */
export function outlineIcon(): Buffer {
  const size = 32;
  const layers = emblem({ centre: 16, orbit: 11, hubR: 2.6, memberR: 2.7, link: 1.8, rim: 1 }, WHITE, 'ring');
  return encodePng(size, size, render(size, [0, 0, 0, 0], layers));
}

if (require.main === module) {
  const dir = join(__dirname, '..', 'manifest');
  writeFileSync(join(dir, 'color.png'), colorIcon());
  writeFileSync(join(dir, 'outline.png'), outlineIcon());
  process.stdout.write(`wrote ${join(dir, 'color.png')} and ${join(dir, 'outline.png')}\n`);
}
