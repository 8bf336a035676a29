/** Colours and axis styles the uPlot charts share, matching the page's dark theme (dashboard.css). */
import type uPlot from 'uplot';

export const CHART_COLORS = Object.freeze({
  text: '#8b96a5',
  grid: 'rgba(139, 150, 165, 0.12)',
  bars: 'rgba(76, 194, 255, 0.6)',
  barsStroke: '#4cc2ff',
  line: '#4cc2ff',
  area: 'rgba(76, 194, 255, 0.16)',
});

const AXIS_FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';

export function themedAxis(axis: uPlot.Axis): uPlot.Axis {
  return {
    stroke: CHART_COLORS.text,
    font: AXIS_FONT,
    grid: { stroke: CHART_COLORS.grid, width: 1 },
    ticks: { stroke: CHART_COLORS.grid, width: 1, size: 4 },
    ...axis,
  };
}
