import { inflateSync } from 'node:zlib';
import { Canvas, type Rgb } from '../../charts/canvas';
import { ADVANCE, glyph, textWidth } from '../../charts/font';
import { layoutChart } from '../../charts/layout';
import { METRIC_COLOURS, renderMetricsChart, type MetricsChartInput } from '../../charts/metrics-chart';
import { crc32 } from '../../charts/png';
import { toSeries, type MetricsPass } from '../../charts/series';
import { countTicks, formatCount, timeTicks } from '../../charts/ticks';

// The chart behind GET /v1/posts/{id}/metrics.png (issue #18 part 5). Each PNG is decoded here
// with zlib and a CRC computed bit by bit (not charts/png.ts's table), so the encoder is checked
// against the format, not against itself.

function bitwiseCrc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

interface Decoded {
  width: number;
  height: number;
  pixel(x: number, y: number): Rgb;
}

function decodePng(png: Buffer): Decoded {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(bitwiseCrc(typeAndData));
    chunks.push({ type: typeAndData.subarray(0, 4).toString('ascii'), data: typeAndData.subarray(4) });
    at += 12 + length;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const header = chunks[0].data;
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  expect([...header.subarray(8)]).toEqual([8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no interlace
  const raw = inflateSync(chunks[1].data);
  expect(raw.length).toBe(height * (1 + width * 4));
  // Every row has filter type 0 (None) and every pixel is opaque; counted, not asserted per byte.
  let badBytes = 0;
  for (let y = 0; y < height; y++) {
    if (raw[y * (1 + width * 4)] !== 0) badBytes++;
    for (let x = 0; x < width; x++) if (raw[y * (1 + width * 4) + 1 + x * 4 + 3] !== 255) badBytes++;
  }
  expect(badBytes).toBe(0);
  return {
    width,
    height,
    pixel: (x, y) => {
      const i = y * (1 + width * 4) + 1 + x * 4;
      return [raw[i], raw[i + 1], raw[i + 2]];
    },
  };
}

function countColour(
  image: Decoded,
  colour: Rgb,
  area = { x: 0, y: 0, w: image.width, h: image.height },
): number {
  let found = 0;
  for (let y = area.y; y < area.y + area.h; y++) {
    for (let x = area.x; x < area.x + area.w; x++) {
      const [r, g, b] = image.pixel(x, y);
      if (r === colour[0] && g === colour[1] && b === colour[2]) found++;
    }
  }
  return found;
}

const zero = { likes: 0, comments: 0, shares: 0, saves: 0, extra: {} };
const pass = (at: string, counts: Partial<typeof zero>): MetricsPass => ({
  at,
  metrics: { ...zero, ...counts },
});
const likesOnly: MetricsChartInput = {
  title: 'Launch',
  targets: [
    {
      label: 'mastodon \u00b7 @alice',
      passes: [
        pass('2026-12-03T09:15:00Z', { likes: 1 }),
        pass('2026-12-03T10:00:00Z', { likes: 4, extra: { views: 900 } } as never),
        pass('2026-12-03T12:00:00Z', { likes: 9 }),
      ],
    },
  ],
};

describe('the PNG encoder', () => {
  it('computes the CRC-32 PNG uses (check value of "123456789")', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes a PNG that decodes to the pixels drawn', () => {
    const canvas = new Canvas(3, 2, [255, 255, 255]);
    canvas.set(2, 1, [1, 2, 3]);
    const image = decodePng(canvas.png());
    expect([image.width, image.height]).toEqual([3, 2]);
    expect(image.pixel(2, 1)).toEqual([1, 2, 3]);
    expect(image.pixel(0, 0)).toEqual([255, 255, 255]);
  });
});

describe('the canvas', () => {
  it('draws lines 2 px thick and ignores points off the canvas', () => {
    const canvas = new Canvas(20, 20, [255, 255, 255]);
    canvas.line(-5, 10, 30, 10, [9, 9, 9]);
    const image = decodePng(canvas.png());
    const column = Array.from({ length: 20 }, (_, y) => image.pixel(7, y)[0] === 9);
    expect(column.filter(Boolean)).toHaveLength(2);
    expect(countColour(image, [9, 9, 9])).toBe(40);
  });

  it('draws text from the font table, one glyph per advance', () => {
    const canvas = new Canvas(20, 10, [255, 255, 255]);
    canvas.text(0, 0, 'I', [0, 0, 0]);
    const image = decodePng(canvas.png());
    // 'I' is a 3-wide cap and bar with a 1-wide stem over 5 rows: 3 + 5 + 3 pixels.
    expect(countColour(image, [0, 0, 0])).toBe(11);
    expect(textWidth('abc', 2)).toBe((3 * ADVANCE - 1) * 2);
  });

  it('has a glyph for every printable ASCII character, and "?" for others', () => {
    for (let code = 0x21; code < 0x7f; code++) {
      const ch = String.fromCharCode(code);
      const rows = glyph(ch);
      expect(rows).toHaveLength(8);
      expect(rows.every((row) => row >= 0 && row < 32)).toBe(true);
      expect(rows.some((row) => row > 0)).toBe(true);
      if (ch !== '?') expect(rows).not.toBe(glyph('?'));
    }
    expect(glyph('\u00e9')).toBe(glyph('?'));
  });
});

describe('count ticks', () => {
  it.each([
    [0, 1, [0, 1]],
    [3, 1, [0, 1, 2, 3]],
    [7, 2, [0, 2, 4, 6, 8]],
    [21, 5, [0, 5, 10, 15, 20, 25]],
    [163, 50, [0, 50, 100, 150, 200]],
    [1_234_567, 500_000, [0, 500_000, 1_000_000, 1_500_000]],
  ])('runs from 0 past %d in steps of %d', (value, step, ticks) => {
    expect(countTicks(value)).toEqual({ step, max: ticks[ticks.length - 1], ticks });
  });

  it('always covers the value with at most 6 ticks on a 1-2-5 step', () => {
    for (let value = 0; value < 20_000; value += 37) {
      const axis = countTicks(value);
      expect(axis.max).toBeGreaterThanOrEqual(value);
      expect(axis.ticks.length).toBeLessThanOrEqual(6);
      expect([1, 2, 5]).toContain(axis.step / 10 ** Math.floor(Math.log10(axis.step)));
    }
  });

  it('labels counts short', () => {
    expect([950, 1000, 1200, 12_000, 3_400_000].map(formatCount)).toEqual([
      '950',
      '1k',
      '1.2k',
      '12k',
      '3.4M',
    ]);
  });
});

describe('time ticks', () => {
  const at = (iso: string) => Date.parse(iso);

  it('puts three days on 12-hour steps, the date under the first tick and each midnight', () => {
    const axis = timeTicks(at('2026-12-03T09:15:00Z'), at('2026-12-06T09:00:00Z'), 8);
    expect(axis.step).toBe(12 * 3_600_000);
    expect(axis.ticks.map((t) => [t.label, t.date])).toEqual([
      ['12:00', 'Dec 3'],
      ['00:00', 'Dec 4'],
      ['12:00', ''],
      ['00:00', 'Dec 5'],
      ['12:00', ''],
      ['00:00', 'Dec 6'],
    ]);
  });

  it('uses minutes within an hour and dates over weeks', () => {
    const minutes = timeTicks(at('2026-12-03T09:02:00Z'), at('2026-12-03T09:40:00Z'), 8);
    expect(minutes.ticks.map((t) => t.label)).toEqual([
      '09:05',
      '09:10',
      '09:15',
      '09:20',
      '09:25',
      '09:30',
      '09:35',
      '09:40',
    ]);
    const weeks = timeTicks(at('2026-11-01T00:00:00Z'), at('2026-11-20T00:00:00Z'), 8);
    expect(weeks.step).toBe(7 * 86_400_000);
    expect(weeks.ticks.every((t) => /^Nov \d+$/.test(t.label) && t.date === '')).toBe(true);
  });

  it('widens a single pass to the hour around it', () => {
    const axis = timeTicks(at('2026-12-03T09:00:00Z'), at('2026-12-03T09:00:00Z'), 8);
    expect(axis.end - axis.start).toBe(3_600_000);
    expect(axis.ticks.map((t) => t.label)).toContain('09:00');
  });
});

describe('renderMetricsChart', () => {
  it('draws a non-zero metric in its colour inside the plot, and no line for an all-zero one', () => {
    const image = decodePng(renderMetricsChart(likesOnly));
    const [panel] = layoutChart(toSeries(likesOnly)!).panels;
    expect(image.height).toBeGreaterThanOrEqual(panel.plot.y + panel.plot.h);
    expect(countColour(image, METRIC_COLOURS.likes, panel.plot)).toBeGreaterThan(50);
    for (const metric of ['comments', 'shares', 'saves'] as const) {
      expect(countColour(image, METRIC_COLOURS[metric])).toBe(0);
    }
  });

  it('draws one panel per target on one time axis, a panel with no engagement without lines', () => {
    const input: MetricsChartInput = {
      title: 'Two targets',
      targets: [
        likesOnly.targets[0],
        {
          label: 'x \u00b7 @bob',
          passes: [pass('2026-12-03T10:00:00Z', {}), pass('2026-12-03T11:00:00Z', {})],
        },
        { label: 'bluesky \u00b7 @carol', passes: [pass('2026-12-03T11:00:00Z', { shares: 2 })] },
      ],
    };
    const image = decodePng(renderMetricsChart(input));
    const panels = layoutChart(toSeries(input)!).panels;
    expect(panels).toHaveLength(3);
    expect(new Set(panels.map((p) => p.plot.x)).size).toBe(1);
    expect(countColour(image, METRIC_COLOURS.likes, panels[0].plot)).toBeGreaterThan(0);
    for (const colour of Object.values(METRIC_COLOURS))
      expect(countColour(image, colour, panels[1].plot)).toBe(0);
    expect(countColour(image, METRIC_COLOURS.shares, panels[2].plot)).toBeGreaterThan(0);
    expect(countColour(image, METRIC_COLOURS.likes, panels[2].plot)).toBe(0);
  });

  it.each([
    ['no targets', []],
    ['targets without passes', [{ label: 'mastodon \u00b7 @alice', passes: [] }]],
  ])('renders "No metrics collected yet" for %s', (_case, targets) => {
    const image = decodePng(renderMetricsChart({ title: 'Launch', targets }));
    expect(image.width).toBeGreaterThan(0);
    // The message is drawn in the middle band, below the title.
    const band = { x: 0, y: 80, w: image.width, h: 40 };
    expect(image.width * band.h - countColour(image, [255, 255, 255], band)).toBeGreaterThan(100);
  });

  it('is deterministic: the same passes, in any order, give the same bytes', () => {
    const shuffled = {
      ...likesOnly,
      targets: [{ ...likesOnly.targets[0], passes: [...likesOnly.targets[0].passes].reverse() }],
    };
    const png = renderMetricsChart(likesOnly);
    expect(renderMetricsChart(likesOnly).equals(png)).toBe(true);
    expect(renderMetricsChart(shuffled).equals(png)).toBe(true);
  });

  it('skips a count that is not a number instead of drawing it or hanging', () => {
    const gap = pass('2026-12-03T11:00:00Z', {});
    (gap.metrics as any).likes = undefined;
    const input = {
      ...likesOnly,
      targets: [{ ...likesOnly.targets[0], passes: [...likesOnly.targets[0].passes, gap] }],
    };
    expect(toSeries(input)!.targets[0].lines[0].points.map((p) => p.value)).toEqual([1, 4, 9]);
    const canvas = new Canvas(10, 10, [255, 255, 255]);
    canvas.line(0, 0, NaN, 5, [0, 0, 0]);
    expect(countColour(decodePng(canvas.png()), [0, 0, 0])).toBe(0);
    expect(() => decodePng(renderMetricsChart(input))).not.toThrow();
  });

  it('leaves out a pass whose time does not parse', () => {
    const input = {
      ...likesOnly,
      targets: [
        {
          ...likesOnly.targets[0],
          passes: [...likesOnly.targets[0].passes, pass('yesterday', { likes: 99 })],
        },
      ],
    };
    expect(toSeries(input)!.targets[0].maxValue).toBe(9);
    expect(renderMetricsChart(input).equals(renderMetricsChart(likesOnly))).toBe(true);
  });
});
