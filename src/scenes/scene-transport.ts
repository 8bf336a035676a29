/**
 * The role a device's delivery path plays for the scene domain (UDP socket,
 * WebSocket, a test double): the domain packs payloads and asks whether the
 * device keeps up; it never imports dgram or ws.
 */

export type SceneFormat = 'json' | 'binary';
export const SCENE_FORMATS: readonly SceneFormat[] = ['json', 'binary'];

export interface SceneTransport {
  /** "udp", "ws" or another name, shown in device listings. */
  readonly kind: string;
  /** Where the device is, for listings (e.g. "127.0.0.1:9000"). */
  readonly address: string;
  /** Largest payload to pack for this transport, bytes (UDP: one MTU). */
  readonly maxPayloadBytes: number;
  /** Whether the device must send heartbeats (UDP) or is alive as long as its connection (WebSocket). */
  readonly heartbeats: boolean;
  /** False while the device's send buffer is over its limit: its updates are then coalesced to the latest per object. */
  writable(): boolean;
  /** Sends one packed payload; never throws for a network error (fire-and-forget). */
  send(payload: Buffer): void;
  /** Told once when the device leaves the scene (deleted, timed out, scene deleted). */
  closed(reason: string): void;
}
