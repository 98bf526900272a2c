import { ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font';
import { encodePng } from './png';

/** An opaque colour, 0-255 per channel. */
export type Rgb = readonly [r: number, g: number, b: number];

/**
 * An RGBA pixel buffer with the few primitives a chart needs: rectangles, 2 px lines, bitmap
 * text. No antialiasing: every pixel is one of the colours drawn, which keeps output
 * byte-for-byte deterministic and lets tests find a series by its exact colour.
 */
export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb,
  ) {
    this.pixels = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets one pixel; points off the canvas are ignored, so callers need not clip. */
  set(x: number, y: number, [r, g, b]: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.pixels[i] = r;
    this.pixels[i + 1] = g;
    this.pixels[i + 2] = b;
    this.pixels[i + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    for (let yy = Math.round(y); yy < Math.round(y + h); yy++) {
      for (let xx = Math.round(x); xx < Math.round(x + w); xx++) this.set(xx, yy, colour);
    }
  }

  /**
   * A line from (x0, y0) to (x1, y1) `thickness` px wide: Bresenham's walk, stamping a square
   * at each step, so a segment is equally thick at any angle without antialiasing.
   */
  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb, thickness = 2): void {
    // The walk below ends on reaching (x1, y1), which a NaN coordinate never is.
    if (![x0, y0, x1, y1].every(Number.isFinite)) return;
    let [x, y] = [Math.round(x0), Math.round(y0)];
    const [xEnd, yEnd] = [Math.round(x1), Math.round(y1)];
    const dx = Math.abs(xEnd - x);
    const dy = -Math.abs(yEnd - y);
    const sx = x < xEnd ? 1 : -1;
    const sy = y < yEnd ? 1 : -1;
    const offset = Math.floor((thickness - 1) / 2);
    let err = dx + dy;
    for (;;) {
      this.fillRect(x - offset, y - offset, thickness, thickness, colour);
      if (x === xEnd && y === yEnd) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  /** Draws `text` with its top-left corner at (x, y), each font pixel a `scale`-px square. */
  text(x: number, y: number, text: string, colour: Rgb, scale = 1): void {
    let left = Math.round(x);
    for (const ch of text) {
      const rows = glyph(ch);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let col = 0; col < GLYPH_WIDTH; col++) {
          if (rows[row] & (1 << (GLYPH_WIDTH - 1 - col))) {
            this.fillRect(left + col * scale, Math.round(y) + row * scale, scale, scale, colour);
          }
        }
      }
      left += ADVANCE * scale;
    }
  }

  png(): Buffer {
    return encodePng(this.width, this.height, this.pixels);
  }
}
