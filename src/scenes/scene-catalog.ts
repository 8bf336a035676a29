/**
 * The records of scene and object definitions, kept durably in the event
 * log itself (the `playhead.scenes` channel) and applied in order by every
 * node (SceneRegistry, through DefinitionLog): an HTTP create is
 * acknowledged only after its record is stored.
 */
import type { SceneBaseline } from './scene.js';

export type CatalogRecord =
  | { readonly op: 'scene'; readonly name: string; readonly index: number; readonly auth: boolean; readonly metadata: unknown; readonly baseline: SceneBaseline }
  | { readonly op: 'dropScene'; readonly name: string }
  | { readonly op: 'object'; readonly scene: string; readonly index: number; readonly name: string; readonly type: string | null; readonly metadata: unknown }
  | { readonly op: 'dropObject'; readonly scene: string; readonly index: number };
