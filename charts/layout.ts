import { GLYPH_HEIGHT, textWidth } from './font';
import type { ChartSeries } from './series';
import { countTicks, formatCount, timeTicks, type CountAxis, type TimeAxis } from './ticks';

// Where everything goes, in pixels. Kept apart from the drawing so tests can find the plot areas
// and the drawing code only paints.
//
// Several targets are small multiples stacked vertically, one panel per target, all on one time
// axis, rather than one panel per metric: a post's targets differ by orders of magnitude (3 likes
// on a small Mastodon account, 3,000 on X), so each panel gets its own count axis and no curve is
// flattened by another account's; within a target the metrics share a scale, which is the
// comparison people make (how many likes against how many shares). Stacking keeps the shared time
// axis aligned from panel to panel.

export const WIDTH = 1000;
/** Text scale: the 5x8 font drawn with 2x2 px dots. */
export const TEXT = 2;
export const TITLE_TEXT = 3;
export const LINE = GLYPH_HEIGHT * TEXT;
const MARGIN = 24;
const PLOT_HEIGHT = 200;
/** Keeps points at the first and last pass clear of the plot's edges. */
export const INSET = 8;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PanelLayout {
  /** Top of the panel's header line (the target's label). */
  header: number;
  plot: Rect;
  counts: CountAxis;
}

export interface ChartLayout {
  width: number;
  height: number;
  margin: number;
  titleY: number;
  legendY: number;
  panels: PanelLayout[];
  time: TimeAxis;
}

export function layoutChart(series: ChartSeries): ChartLayout {
  const counts = series.targets.map((target) => countTicks(target.maxValue));
  // One left edge for every plot, wide enough for the longest count label of any panel.
  const labelWidth = Math.max(
    ...counts.flatMap((axis) => axis.ticks.map((t) => textWidth(formatCount(t), TEXT))),
  );
  const left = MARGIN + labelWidth + 10;
  const plotWidth = WIDTH - MARGIN - left;
  const time = timeTicks(series.start, series.end, Math.floor(plotWidth / (textWidth('Dec 30', TEXT) + 30)));
  const titleY = MARGIN;
  const legendY = titleY + GLYPH_HEIGHT * TITLE_TEXT + 14;
  let y = legendY + LINE + 28;
  const panels = counts.map((axis): PanelLayout => {
    const header = y;
    const plot = { x: left, y: header + LINE + 12, w: plotWidth, h: PLOT_HEIGHT };
    // Below the plot: time labels, then the date line under them.
    y = plot.y + plot.h + 8 + LINE + 6 + LINE + 28;
    return { header, plot, counts: axis };
  });
  return { width: WIDTH, height: y - 28 + MARGIN, margin: MARGIN, titleY, legendY, panels, time };
}

/** The size of the image drawn when nothing has been collected yet. */
export const EMPTY = { width: WIDTH, height: 180 };
