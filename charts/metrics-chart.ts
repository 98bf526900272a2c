import { Canvas, type Rgb } from './canvas';
import { GLYPH_HEIGHT, textWidth } from './font';
import { EMPTY, INSET, LINE, TEXT, TITLE_TEXT, layoutChart, type PanelLayout, type Rect } from './layout';
import { METRICS, toSeries, type MetricName, type MetricsChartInput, type TargetSeries } from './series';
import { formatCount, type TimeAxis } from './ticks';

export type { MetricsChartInput, MetricsPass } from './series';

/** One colour per metric, from the Okabe-Ito palette, which stays distinct for colour-blind readers. */
export const METRIC_COLOURS: Record<MetricName, Rgb> = {
  likes: [213, 94, 0],
  comments: [0, 114, 178],
  shares: [0, 158, 115],
  saves: [204, 121, 167],
};
const BACKGROUND: Rgb = [255, 255, 255];
const INK: Rgb = [34, 34, 34];
const MUTED: Rgb = [110, 110, 110];
const AXIS: Rgb = [150, 150, 150];
const GRID: Rgb = [232, 232, 232];
const MARKER = 6;

/**
 * A post's engagement over time as a PNG: a title, a legend, and one panel per target with a line
 * per metric that is non-zero (layout.ts says why panels per target). Pure: the same input gives
 * the same bytes. With no pass collected yet it draws a "No metrics collected yet" image.
 */
export function renderMetricsChart(input: MetricsChartInput): Buffer {
  const series = toSeries(input);
  if (!series) return renderEmpty(input.title);
  const layout = layoutChart(series);
  const canvas = new Canvas(layout.width, layout.height, BACKGROUND);
  const textRight = layout.width - layout.margin;
  canvas.text(
    layout.margin,
    layout.titleY,
    fit(input.title, textRight - layout.margin, TITLE_TEXT),
    INK,
    TITLE_TEXT,
  );
  const drawn = METRICS.filter((metric) =>
    series.targets.some((t) => t.lines.some((l) => l.metric === metric)),
  );
  drawLegend(canvas, layout.margin, layout.legendY, drawn);
  const zone = 'times in UTC';
  canvas.text(textRight - textWidth(zone, TEXT), layout.legendY, zone, MUTED, TEXT);
  series.targets.forEach((target, i) => drawPanel(canvas, layout.panels[i], layout.time, target, textRight));
  return canvas.png();
}

function renderEmpty(title: string): Buffer {
  const canvas = new Canvas(EMPTY.width, EMPTY.height, BACKGROUND);
  canvas.text(24, 24, fit(title, EMPTY.width - 48, TITLE_TEXT), INK, TITLE_TEXT);
  const message = 'No metrics collected yet';
  canvas.text((EMPTY.width - textWidth(message, TEXT)) / 2, 90, message, MUTED, TEXT);
  const hint = 'The chart fills in after the first collection pass.';
  canvas.text((EMPTY.width - textWidth(hint, TEXT)) / 2, 90 + LINE + 12, hint, MUTED, TEXT);
  return canvas.png();
}

/** A swatch of each drawn metric's line colour, then its name. */
function drawLegend(canvas: Canvas, x: number, y: number, metrics: readonly MetricName[]): void {
  for (const metric of metrics) {
    canvas.fillRect(x, y + LINE / 2 - 2, 28, 4, METRIC_COLOURS[metric]);
    canvas.text(x + 36, y, metric, INK, TEXT);
    x += 36 + textWidth(metric, TEXT) + 32;
  }
}

function drawPanel(
  canvas: Canvas,
  panel: PanelLayout,
  time: TimeAxis,
  target: TargetSeries,
  right: number,
): void {
  const { plot, counts } = panel;
  // The header: the target's label, and on the right its latest counts in their line colours.
  const latest = target.lines.map((line) => ({
    text: `${formatCount(line.points[line.points.length - 1].value)} ${line.metric}`,
    colour: METRIC_COLOURS[line.metric],
  }));
  const gap = textWidth('  ', TEXT);
  let x = right - latest.reduce((w, part, i) => w + textWidth(part.text, TEXT) + (i ? gap : 0), 0);
  canvas.text(plot.x, panel.header, fit(target.label, x - plot.x - gap, TEXT), INK, TEXT);
  for (const part of latest) {
    canvas.text(x, panel.header, part.text, part.colour, TEXT);
    x += textWidth(part.text, TEXT) + gap;
  }

  const toX = (at: number) =>
    plot.x + INSET + ((at - time.start) / (time.end - time.start)) * (plot.w - 2 * INSET);
  const toY = (value: number) => plot.y + plot.h - 1 - (value / counts.max) * (plot.h - 1);
  for (const tick of counts.ticks) {
    const y = Math.round(toY(tick));
    canvas.fillRect(plot.x, y, plot.w, 1, GRID);
    const label = formatCount(tick);
    canvas.text(plot.x - 10 - textWidth(label, TEXT), y - (7 * TEXT) / 2, label, MUTED, TEXT);
  }
  for (const tick of time.ticks) {
    const tx = Math.round(toX(tick.at));
    canvas.fillRect(tx, plot.y, 1, plot.h, GRID);
    canvas.fillRect(tx, plot.y + plot.h, 1, 5, AXIS);
    centred(canvas, tick.label, tx, plot.y + plot.h + 8);
    if (tick.date) centred(canvas, tick.date, tx, plot.y + plot.h + 8 + LINE + 6);
  }
  canvas.fillRect(plot.x, plot.y, 1, plot.h, AXIS);
  canvas.fillRect(plot.x, plot.y + plot.h - 1, plot.w, 1, AXIS);

  if (target.passes === 0) return note(canvas, plot, 'No metrics collected yet');
  if (target.lines.length === 0) return note(canvas, plot, 'No engagement yet: every count is 0');
  for (const line of target.lines) {
    const colour = METRIC_COLOURS[line.metric];
    const points = line.points.map((p) => [toX(p.at), toY(p.value)] as const);
    points.slice(1).forEach(([px, py], i) => canvas.line(points[i][0], points[i][1], px, py, colour));
    for (const [px, py] of points) {
      canvas.fillRect(
        Math.round(px) - MARKER / 2 + 1,
        Math.round(py) - MARKER / 2 + 1,
        MARKER,
        MARKER,
        colour,
      );
    }
  }
}

/** Text centred on x, kept inside the canvas. */
function centred(canvas: Canvas, text: string, x: number, y: number): void {
  const w = textWidth(text, TEXT);
  canvas.text(Math.min(Math.max(x - w / 2, 0), canvas.width - w), y, text, MUTED, TEXT);
}

function note(canvas: Canvas, plot: Rect, text: string): void {
  canvas.text(
    plot.x + (plot.w - textWidth(text, TEXT)) / 2,
    plot.y + (plot.h - GLYPH_HEIGHT * TEXT) / 2,
    text,
    MUTED,
    TEXT,
  );
}

/** `text` cut to `width` px at `scale`, with an ellipsis where it was cut. */
function fit(text: string, width: number, scale: number): string {
  const chars = Array.from(text);
  if (textWidth(text, scale) <= width) return text;
  while (chars.length && textWidth(chars.join('') + '\u2026', scale) > width) chars.pop();
  return chars.join('') + '\u2026';
}
