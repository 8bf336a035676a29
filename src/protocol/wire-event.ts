/**
 * An event as it travels to clients: `ts` is epoch ms and `time` the same
 * instant in ISO-8601 (DESIGN "An event is ..."). Shared by server and client.
 */

export interface WireEvent {
  readonly channel: string;
  readonly seq: number;
  readonly ts: number;
  readonly time: string;
  readonly id: string | null;
  readonly data: unknown;
}
