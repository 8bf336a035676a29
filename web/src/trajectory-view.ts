/**
 * Draws a trajectory scene on a canvas: a metre grid over the scene's
 * bounds, and each object as a dot with a short trail and its id, faded
 * as it goes stale. Drawing is stateless: the caller passes the positions
 * at the playhead every animation frame.
 */
import { objectColor } from './object-color.js';
import type { SceneBounds, SceneTransform } from './scene-bounds.js';
import type { ObjectPosition } from './trajectory-tracks.js';

const MARGIN_PX = 28;
const DOT_RADIUS_PX = 5;
const MIN_GRID_SPACING_PX = 36;
/** Grid steps to choose from, in metres. */
const GRID_STEPS = [0.5, 1, 2, 5, 10, 20, 50, 100] as const;
const COLORS = Object.freeze({ grid: 'rgba(139, 150, 165, 0.10)', border: 'rgba(139, 150, 165, 0.35)', text: '#8b96a5', label: 'rgba(214, 221, 230, 0.75)' });
const FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';

export class TrajectoryView {
  readonly #canvas: HTMLCanvasElement;
  readonly #context: CanvasRenderingContext2D;
  readonly #bounds: SceneBounds;

  constructor(canvas: HTMLCanvasElement, bounds: SceneBounds) {
    const context = canvas.getContext('2d');
    if (context === null) throw new TypeError('the trajectory canvas has no 2D context');
    this.#canvas = canvas;
    this.#context = context;
    this.#bounds = bounds;
  }

  draw(positions: readonly ObjectPosition[]): void {
    const { width, height } = this.#fitCanvas();
    const context = this.#context;
    context.clearRect(0, 0, width, height);
    context.font = FONT;
    this.#canvas.dataset['objects'] = String(positions.length);
    if (this.#bounds.empty) {
      context.fillStyle = COLORS.text;
      context.fillText('Waiting for positions…', MARGIN_PX, MARGIN_PX);
      return;
    }
    const transform = this.#bounds.fit(width, height, MARGIN_PX);
    const gridStep = GRID_STEPS.find((step) => step * transform.scale >= MIN_GRID_SPACING_PX) ?? GRID_STEPS[GRID_STEPS.length - 1] ?? 1;
    this.#drawGrid(transform, gridStep, width, height);

    for (const position of positions) {
      const x = transform.toCanvasX(position.x);
      const y = transform.toCanvasY(position.y);
      context.globalAlpha = position.opacity;
      context.strokeStyle = objectColor(position.object, 0.4);
      context.lineWidth = 2;
      context.beginPath();
      position.trail.forEach((sample, i) => {
        const sx = transform.toCanvasX(sample.x);
        const sy = transform.toCanvasY(sample.y);
        if (i === 0) context.moveTo(sx, sy);
        else context.lineTo(sx, sy);
      });
      context.lineTo(x, y);
      context.stroke();
      context.fillStyle = objectColor(position.object);
      context.beginPath();
      context.arc(x, y, DOT_RADIUS_PX, 0, 2 * Math.PI);
      context.fill();
      context.fillStyle = COLORS.label;
      context.fillText(position.object, x + DOT_RADIUS_PX + 3, y - DOT_RADIUS_PX);
    }
    context.globalAlpha = 1;
    context.fillStyle = COLORS.text;
    context.fillText(`${positions.length} objects · grid ${gridStep} m`, MARGIN_PX, height - 9);
  }

  #drawGrid(transform: SceneTransform, step: number, width: number, height: number): void {
    const context = this.#context;
    const bounds = this.#bounds;
    const left = transform.toCanvasX(bounds.minX);
    const right = transform.toCanvasX(bounds.maxX);
    const top = transform.toCanvasY(bounds.maxY);
    const bottom = transform.toCanvasY(bounds.minY);
    context.strokeStyle = COLORS.grid;
    context.lineWidth = 1;
    context.beginPath();
    for (let x = Math.ceil(bounds.minX / step) * step; x <= bounds.maxX; x += step) {
      const cx = Math.round(transform.toCanvasX(x)) + 0.5;
      context.moveTo(cx, Math.max(0, top));
      context.lineTo(cx, Math.min(height, bottom));
    }
    for (let y = Math.ceil(bounds.minY / step) * step; y <= bounds.maxY; y += step) {
      const cy = Math.round(transform.toCanvasY(y)) + 0.5;
      context.moveTo(Math.max(0, left), cy);
      context.lineTo(Math.min(width, right), cy);
    }
    context.stroke();
    context.strokeStyle = COLORS.border;
    context.setLineDash([4, 4]);
    context.strokeRect(Math.round(left) + 0.5, Math.round(top) + 0.5, Math.round(right - left), Math.round(bottom - top));
    context.setLineDash([]);
  }

  /** Matches the backing store to the element's size and the screen's pixel ratio; returns the size in CSS pixels. */
  #fitCanvas(): { width: number; height: number } {
    const canvas = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    const pixelWidth = Math.round(width * ratio);
    const pixelHeight = Math.round(height * ratio);
    if (canvas.width !== pixelWidth || canvas.height !== pixelHeight) {
      canvas.width = pixelWidth;
      canvas.height = pixelHeight;
    }
    this.#context.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { width, height };
  }
}
