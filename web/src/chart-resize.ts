/** Keeps a uPlot chart as wide as its container (uPlot draws at a fixed pixel size). */
import type uPlot from 'uplot';

/** Resizes `chart` with `container`; returns the function that stops it. */
export function keepChartWidth(chart: uPlot, container: HTMLElement, heightPx: number): () => void {
  const observer = new ResizeObserver(() => {
    const width = Math.floor(container.clientWidth);
    if (width > 0 && (width !== chart.width || heightPx !== chart.height)) chart.setSize({ width, height: heightPx });
  });
  observer.observe(container);
  return () => observer.disconnect();
}
