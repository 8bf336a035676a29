/** The settings of a SceneRegistry, each with its unit and default (STYLE: one DEFAULTS constant). */
import type { SceneRecorderConfig } from './scene-recorder.js';

export interface SceneRegistryConfig {
  /** A device that sends no heartbeat or update for this long is dropped, ms. @default 10,000 */
  readonly deviceTimeoutMs: number;
  /** How often a device that fell behind is offered its coalesced backlog, ms. @default 5 */
  readonly drainIntervalMs: number;
  /** Larger input datagrams are dropped as oversize, bytes. @default 8,192 */
  readonly maxDatagramBytes: number;
  /** Devices one scene may hold. @default 1,000 */
  readonly maxDevicesPerScene: number;
  /** Objects one scene may hold (bounds each slow device's backlog). @default 100,000 */
  readonly maxObjectsPerScene: number;
  /** Whether new scenes require signed datagrams unless created with `auth`. @default false */
  readonly defaultAuth: boolean;
  /** Batching and snapshot settings of the scene channels. */
  readonly recorder: Partial<SceneRecorderConfig>;
  /** Store updates in `scene.{scene}` and snapshot them; off, scenes relay only and start empty after a restart. @default true */
  readonly record: boolean;
}

export const SCENE_DEFAULTS: SceneRegistryConfig = Object.freeze({
  deviceTimeoutMs: 10_000, drainIntervalMs: 5, maxDatagramBytes: 8_192, maxDevicesPerScene: 1_000, maxObjectsPerScene: 100_000,
  defaultAuth: false, recorder: {}, record: true,
});
