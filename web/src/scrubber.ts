/**
 * The selected channel's event-density histogram (uPlot bars) as a
 * scrubber: a click seeks, a drag selects a window to loop. The playhead
 * and the session's window are DOM overlays on the plot area, moved without
 * redrawing the chart.
 */
import uPlot from 'uplot';
import type { HistogramReply } from '../../src/protocol/http-messages.js';
import { CHART_COLORS, themedAxis } from './chart-theme.js';
import { keepChartWidth } from './chart-resize.js';

export interface ScrubberHandlers {
  seek(ts: number): void;
  selectWindow(start: number, end: number): void;
  /** The time and bucket count under the pointer, or undefined when it leaves. */
  hover(ts: number | undefined, count: number | undefined): void;
}

const HEIGHT_PX = 150;
/** A drag shorter than this is a click that wobbled. */
const MIN_SELECTION_PX = 4;
const BAR_WIDTH_FRACTION = 0.82;

const utcDate = (ts: number): Date => uPlot.tzDate(new Date(ts), 'Etc/UTC');
const MS_PER_MINUTE = 60_000;

/** Tick labels in UTC, 24-hour like the ISO times elsewhere; the date under the first tick and where it changes. */
function timeTicks(_chart: uPlot, splits: number[], _axis: number, _space: number, incr: number): string[] {
  return splits.map((ts, i) => {
    const iso = new Date(ts).toISOString();
    const clock = incr < MS_PER_MINUTE ? iso.slice(11, 19) : iso.slice(11, 16);
    const previous = splits[i - 1];
    const newDay = previous === undefined || new Date(previous).toISOString().slice(0, 10) !== iso.slice(0, 10);
    return newDay ? `${clock}\n${iso.slice(0, 10)}` : clock;
  });
}

export class Scrubber {
  readonly #container: HTMLElement;
  readonly #handlers: ScrubberHandlers;
  readonly #playhead: HTMLElement;
  readonly #window: HTMLElement;
  #chart: uPlot | undefined = undefined;
  #stopResizing: () => void = () => {};
  #histogram: HistogramReply | undefined = undefined;
  #playheadTs: number | undefined = undefined;
  #windowRange: { start: number; end: number } | undefined = undefined;

  constructor(container: HTMLElement, handlers: ScrubberHandlers) {
    this.#container = container;
    this.#handlers = handlers;
    this.#playhead = document.createElement('div');
    this.#playhead.className = 'scrubber-playhead';
    this.#playhead.dataset['testid'] = 'scrubber-playhead';
    this.#playhead.hidden = true;
    this.#window = document.createElement('div');
    this.#window.className = 'scrubber-window';
    this.#window.dataset['testid'] = 'scrubber-window';
    this.#window.hidden = true;
  }

  show(histogram: HistogramReply): void {
    this.#destroyChart();
    this.#histogram = histogram;
    const xs = histogram.counts.map((_, i) => histogram.start + i * histogram.bucketMs);
    const chart = new uPlot(this.#options(histogram), [xs, [...histogram.counts]], this.#container);
    chart.over.append(this.#window, this.#playhead);
    chart.over.addEventListener('click', (event) => this.#handlers.seek(Math.round(chart.posToVal(event.offsetX, 'x'))));
    chart.over.addEventListener('mouseleave', () => this.#handlers.hover(undefined, undefined));
    this.#chart = chart;
    this.#stopResizing = keepChartWidth(chart, this.#container, HEIGHT_PX);
    this.#place();
  }

  clear(): void {
    this.#destroyChart();
    this.#histogram = undefined;
  }

  setPlayhead(ts: number | undefined): void {
    if (ts === this.#playheadTs) return;
    this.#playheadTs = ts;
    this.#placePlayhead();
  }

  /** Shades the session's window; nothing when it is open or covers the whole range. */
  setWindow(start: number | null, end: number | null): void {
    const histogram = this.#histogram;
    const whole = histogram === undefined || start === null || end === null || (start <= histogram.start && end >= histogram.end);
    this.#windowRange = whole ? undefined : { start, end };
    this.#placeWindow();
  }

  #options(histogram: HistogramReply): uPlot.Options {
    return {
      width: Math.max(1, this.#container.clientWidth),
      height: HEIGHT_PX,
      ms: 1,
      tzDate: utcDate,
      legend: { show: false },
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { show: false },
        y: false,
      },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: { time: true, range: () => [histogram.start, histogram.end] },
        y: { range: (_chart, _min, max) => [0, Math.max(1, max) * 1.08] },
      },
      axes: [
        themedAxis({ size: 40, values: timeTicks }),
        themedAxis({ size: 44, values: (_chart, splits) => splits.map(compactCount) }),
      ],
      series: [
        {},
        {
          label: 'events',
          fill: CHART_COLORS.bars,
          stroke: CHART_COLORS.barsStroke,
          width: 0,
          paths: uPlot.paths.bars?.({ size: [BAR_WIDTH_FRACTION, Infinity], align: 1 }),
        },
      ],
      hooks: {
        setSelect: [(chart) => this.#selected(chart)],
        setCursor: [(chart) => this.#hovered(chart)],
        setSize: [() => this.#place()],
      },
    };
  }

  #selected(chart: uPlot): void {
    const { left, width } = chart.select;
    // Clear uPlot's own box: the window overlay shows what the server plays.
    chart.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (width < MIN_SELECTION_PX) return;
    this.#handlers.selectWindow(Math.round(chart.posToVal(left, 'x')), Math.round(chart.posToVal(left + width, 'x')));
  }

  #hovered(chart: uPlot): void {
    const histogram = this.#histogram;
    const left = chart.cursor.left;
    if (histogram === undefined || left === undefined || left < 0) return;
    const ts = chart.posToVal(left, 'x');
    const bucket = Math.floor((ts - histogram.start) / histogram.bucketMs);
    this.#handlers.hover(Math.round(ts), histogram.counts[bucket]);
  }

  #place(): void {
    this.#placePlayhead();
    this.#placeWindow();
  }

  #placePlayhead(): void {
    const chart = this.#chart;
    const histogram = this.#histogram;
    const ts = this.#playheadTs;
    // Live (or a channel grown since the histogram was read) puts the playhead past the chart: not drawn.
    const inRange = histogram !== undefined && ts !== undefined && ts >= histogram.start && ts <= histogram.end;
    this.#playhead.hidden = chart === undefined || !inRange;
    if (chart === undefined || ts === undefined || !inRange) return;
    this.#playhead.style.transform = `translateX(${chart.valToPos(ts, 'x')}px)`;
    this.#playhead.dataset['ts'] = String(Math.round(ts));
  }

  #placeWindow(): void {
    const chart = this.#chart;
    const range = this.#windowRange;
    this.#window.hidden = chart === undefined || range === undefined;
    if (chart === undefined || range === undefined) return;
    const left = chart.valToPos(range.start, 'x');
    const right = chart.valToPos(range.end, 'x');
    this.#window.style.left = `${left}px`;
    this.#window.style.width = `${Math.max(1, right - left)}px`;
  }

  #destroyChart(): void {
    this.#stopResizing();
    this.#chart?.destroy();
    this.#chart = undefined;
  }
}

function compactCount(count: number): string {
  if (count >= 1_000_000) return `${count / 1_000_000}M`;
  if (count >= 1_000) return `${count / 1_000}k`;
  return String(count);
}
