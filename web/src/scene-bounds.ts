/**
 * The extent of a trajectory scene in world units (metres), and the
 * transform that fits it into a canvas with one scale for both axes and y
 * pointing up. Seeded from a sample of the channel, it grows if an object
 * walks outside it.
 */

export interface SceneTransform {
  /** Canvas pixels per world unit. */
  readonly scale: number;
  toCanvasX(x: number): number;
  toCanvasY(y: number): number;
}

export class SceneBounds {
  #minX = Infinity;
  #maxX = -Infinity;
  #minY = Infinity;
  #maxY = -Infinity;

  get empty(): boolean {
    return this.#minX > this.#maxX;
  }

  get minX(): number { return this.#minX; }
  get maxX(): number { return this.#maxX; }
  get minY(): number { return this.#minY; }
  get maxY(): number { return this.#maxY; }

  include(x: number, y: number): void {
    this.#minX = Math.min(this.#minX, x);
    this.#maxX = Math.max(this.#maxX, x);
    this.#minY = Math.min(this.#minY, y);
    this.#maxY = Math.max(this.#maxY, y);
  }

  clear(): void {
    this.#minX = this.#minY = Infinity;
    this.#maxX = this.#maxY = -Infinity;
  }

  /** Fits the bounds into `width` x `height` pixels, centred, leaving `marginPx` on every side. */
  fit(width: number, height: number, marginPx: number): SceneTransform {
    const spanX = Math.max(1, this.#maxX - this.#minX);
    const spanY = Math.max(1, this.#maxY - this.#minY);
    const scale = Math.max(Number.MIN_VALUE, Math.min((width - 2 * marginPx) / spanX, (height - 2 * marginPx) / spanY));
    const centreX = (this.#minX + this.#maxX) / 2;
    const centreY = (this.#minY + this.#maxY) / 2;
    return {
      scale,
      toCanvasX: (x) => width / 2 + (x - centreX) * scale,
      toCanvasY: (y) => height / 2 - (y - centreY) * scale,
    };
  }
}
