/**
 * Wire shapes of scenes (docs/scenes.md, docs/protocol.md "Scenes"): the
 * transform as a device sends it (UDP datagram or the WebSocket `transform`
 * action) and as the server sends it (`type: "transform"`), and the
 * `scene` reply to the WebSocket `scene` action.
 */

export type WireVector3 = readonly [number, number, number];
export type WireQuaternion = readonly [number, number, number, number];

/** A device's transform input; any of the three parts may be omitted and keeps its last value. */
export interface TransformInputMessage {
  readonly scene: string;
  readonly object: string;
  /** Per-object sequence number; an older one never overwrites a newer one. Omitted: the next one. */
  readonly seq?: number;
  /** Event time, epoch ms or ISO-8601. Omitted: when received. */
  readonly time?: number | string;
  readonly location?: WireVector3;
  /** A quaternion [x,y,z,w], or Euler degrees `{"euler":[x,y,z]}`. */
  readonly rotation?: WireQuaternion | { readonly euler: WireVector3 };
  readonly scale?: WireVector3;
  /** The device id from registration; required on scenes with auth. */
  readonly device?: string;
}

/** One object's whole transform as the server sends it; a packed payload is a JSON array of these. */
export interface TransformMessage {
  readonly type: 'transform';
  readonly scene: string;
  readonly object: string;
  readonly seq: number;
  readonly time: number;
  readonly location: WireVector3;
  readonly rotation: WireQuaternion;
  readonly scale: WireVector3;
}

export interface SceneObjectWire {
  readonly object: string;
  readonly index: number;
  readonly type?: string | null;
  readonly metadata?: unknown;
  readonly seq: number;
  readonly time: number | null;
  readonly location: readonly number[];
  readonly rotation: readonly number[];
  readonly scale: readonly number[];
}

/** The reply to `{"action":"scene"}`: the device joined (with its id) or, with `at`, the scene as it was then. */
export interface SceneMessage {
  readonly type: 'scene';
  readonly sub?: string;
  readonly scene: string;
  /** Set when the connection joined the scene as a device. */
  readonly device?: string;
  /** Set on a time-travel reply: the instant shown (epoch ms). No updates follow it. */
  readonly at?: number;
  readonly objects: readonly SceneObjectWire[];
}

export const SCENE_OUTPUT_FORMATS = ['json', 'binary'] as const;
