/**
 * `playhead/client`: Playhead from a browser or Node, with the protocol out
 * of sight. Imports only src/protocol (checked by test/project/layers.test.ts).
 *
 *   const ph = connect('ws://127.0.0.1:8080');
 *   const p = ph.channel('wikipedia').play({ start: 'now-1h', speed: 10 });
 *   p.onEvent((event) => draw(event));
 */
import { Connection, type ConnectOptions } from './connection.js';
import { LiveView, type ViewOptions } from './live-view.js';
import { LiveFeed, type FeedOptions } from './live-feed.js';
import { LiveScene, type SceneOptions } from './live-scene.js';
import { Playback, type PlayOptions } from './playback.js';

export { PlayheadClientError } from './client-error.js';
export type { ConnectOptions, WebSocketLike, WebSocketConstructor } from './connection.js';
export type { Playback, PlayOptions } from './playback.js';
export type { LiveView, ViewOptions } from './live-view.js';
export type { LiveFeed, FeedItemInput, FeedOptions } from './live-feed.js';
export type { LiveScene, MoveInput, SceneOptions, SceneTransform } from './live-scene.js';
export type { SceneObjectWire, TransformMessage } from '../src/protocol/scene-messages.js';
export type { FeedPageReply, WireFeedItem } from '../src/protocol/feed-messages.js';
export type { WireEvent } from '../src/protocol/wire-event.js';
export type { StateMessage, PlaybackStatus, ViewRow } from '../src/protocol/server-messages.js';

export interface ChannelHandle {
  /** Plays a window (or, without `start`, live). */
  play(options?: PlayOptions): Playback;
  /** Watches live. */
  live(): Playback;
}

export interface PlayheadClient {
  channel(name: string): ChannelHandle;
  /**
   * Follows a view (created with POST /v1/views): its rows, kept current;
   * `{ asOf }` for the rows as they were, `{ follow: playback }` to move with a replay.
   */
  view(name: string, options?: ViewOptions): LiveView;
  /** A feed: add, delete and pages over HTTP, and its first page kept live. */
  feed(key: string, options?: FeedOptions): LiveFeed;
  /** Joins a scene (created with POST /v1/scenes) as a device: its transforms kept current, `move` to send, `at` to look back. */
  scene(name: string, options?: SceneOptions): LiveScene;
  /** Called with true on each (re)connect and false on each drop. */
  onConnection(listener: (connected: boolean) => void): void;
  /** Drops the socket as a network failure would; subscriptions resume after reconnecting. */
  drop(): void;
  close(): void;
}

export function connect(url: string, options: ConnectOptions = {}): PlayheadClient {
  const connection = new Connection(url, options);
  return {
    channel: (name) => ({
      play: (playOptions = {}) => new Playback(connection, name, playOptions),
      live: () => new Playback(connection, name, 'live'),
    }),
    view: (name, viewOptions) => new LiveView(connection, name, viewOptions),
    scene: (name, sceneOptions = {}) => new LiveScene(connection, name, sceneOptions),
    feed: (key, feedOptions = {}) => new LiveFeed(connection, key, url.replace(/^ws/, 'http').replace(/\/+$/, ''), options.token, feedOptions),
    onConnection: (listener) => connection.onStatus(listener),
    drop: () => connection.drop(),
    close: () => connection.close(),
  };
}
