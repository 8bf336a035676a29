/** A stable, distinct-enough colour per object id, so one pedestrian keeps its colour across frames and loops. */

const GOLDEN_ANGLE_DEGREES = 137.508;

export function objectHue(object: string): number {
  let hash = 0;
  for (let i = 0; i < object.length; i++) hash = (hash * 31 + object.charCodeAt(i)) | 0;
  return (Math.abs(hash) * GOLDEN_ANGLE_DEGREES) % 360;
}

export function objectColor(object: string, alpha = 1): string {
  return `hsl(${objectHue(object).toFixed(1)} 80% 62% / ${alpha})`;
}
