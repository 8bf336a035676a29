/** Events delivered per second over the last minute of wall time, as a uPlot step chart (x: seconds ago). */
import uPlot from 'uplot';
import { CHART_COLORS, themedAxis } from './chart-theme.js';
import { keepChartWidth } from './chart-resize.js';

const HEIGHT_PX = 140;

export class RateChart {
  readonly #chart: uPlot;

  constructor(container: HTMLElement, windowSeconds: number) {
    const options: uPlot.Options = {
      width: Math.max(1, container.clientWidth),
      height: HEIGHT_PX,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false, range: () => [-windowSeconds, 0] },
        y: { range: (_chart, _min, max) => [0, Math.max(5, max * 1.15)] },
      },
      axes: [
        themedAxis({ size: 26, values: (_chart, splits) => splits.map((s) => (s === 0 ? 'now' : `${s}s`)) }),
        themedAxis({ size: 44 }),
      ],
      series: [
        {},
        {
          label: 'events/s',
          stroke: CHART_COLORS.line,
          fill: CHART_COLORS.area,
          width: 1.5,
          points: { show: false },
          paths: uPlot.paths.stepped?.({ align: 1 }),
        },
      ],
    };
    this.#chart = new uPlot(options, [[], []], container);
    keepChartWidth(this.#chart, container, HEIGHT_PX);
  }

  /** Shows per-second counts; `seconds` are epoch seconds, drawn relative to `nowSecond`. */
  update(seconds: readonly number[], counts: readonly number[], nowSecond: number): void {
    this.#chart.setData([seconds.map((s) => s - nowSecond), [...counts]]);
  }
}
