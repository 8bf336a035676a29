/**
 * One WebSocket connection: decodes and validates each frame, and routes it
 * to the connection's playback sessions (one on /v1/channels/{c}/ws, up to
 * `maxSubscriptions` by `sub` on /v1/ws). Every bad input is answered with
 * an error message; the connection and its sessions keep their state.
 */
import type { WebSocket, RawData } from 'ws';
import { validateChannelName } from '../../core/channel-name.js';
import type { Clock } from '../../core/clock.js';
import { PlayheadError, isPlayheadError } from '../../core/errors.js';
import { parseTime } from '../../core/time.js';
import type { LiveBus } from '../../live/live-bus.js';
import { resolveCommand } from '../../playback/playback-command.js';
import { PlaybackSession, type PlaybackConfig, type PlaybackSink } from '../../playback/playback-session.js';
import type { TimerWheel } from '../../playback/timer-wheel.js';
import { parseClientMessage, type ClientMessage, type PlayAction } from '../../protocol/client-actions.js';
import type { BaseMessage } from '../../protocol/server-messages.js';
import type { EventReader } from '../../store/event-store.js';
import type { Grant } from '../auth/access-policy.js';
import { encodeError } from './message-encoder.js';
import type { ViewRegistry } from '../../views/view-registry.js';
import { SocketSink } from './socket-sink.js';
import type { SceneRegistry } from '../../scenes/scene-registry.js';
import { SceneSocket } from './scene-socket.js';
import { ViewStream } from './view-stream.js';
import { FollowedReplay } from './followed-replay.js';
import { ObservedSink } from '../../playback/observed-sink.js';
import { ReplayView } from '../../views/replay-view.js';
import { TimelineFollower } from './timeline-follower.js';
import { ViewFollower } from './view-follower.js';
import { TransformReplaySink } from './transform-replay-sink.js';
import { SCENE_CHANNEL_PREFIX } from '../../scenes/scene-channels.js';
import { TimelineStream } from './timeline-stream.js';
import type { TimelineRegistry } from '../../timeline/timeline-registry.js';
import type { TimelineOwner } from '../timeline-owner.js';
import { FeedStream } from './feed-stream.js';
import { feedScopeTarget, validateFeedKey } from '../../feeds/feed-key.js';
import type { FeedService } from '../../feeds/feed-service.js';

export interface WebSocketLimits {
  /** Largest client frame answered normally, bytes; larger ones get `payload_too_large`. @default 64 KiB */
  readonly maxFrameBytes: number;
  /** Send buffer above which replay waits and live ends with `slow_consumer`, bytes. @default 4 MiB */
  readonly maxBufferedBytes: number;
  /** Subscriptions one /v1/ws connection may hold. @default 64 */
  readonly maxSubscriptions: number;
  /** Send buffer above which a scene device's updates are coalesced to the latest per object, bytes. @default 256 KiB */
  readonly maxSceneBufferedBytes?: number;
}

/** Send buffer above which a scene device's updates are coalesced (lower than playback's limit: a device wants the latest transform, not a queue). */
const SCENE_BUFFERED_BYTES = 256 << 10;

export const WEBSOCKET_DEFAULTS: WebSocketLimits = Object.freeze({ maxFrameBytes: 64 << 10, maxBufferedBytes: 4 << 20, maxSubscriptions: 64 });

export interface ConnectionContext {
  readonly reader: EventReader;
  readonly bus: LiveBus;
  readonly clock: Clock;
  readonly wheel: TimerWheel;
  readonly grant: Grant;
  readonly limits: WebSocketLimits;
  readonly playback: Partial<PlaybackConfig>;
  readonly requireExistingChannels: boolean;
  readonly views: ViewRegistry;
  /** Scenes joined and moved on /v1/ws; undefined where the server has none. */
  readonly scenes?: SceneRegistry;
  readonly timelines: TimelineRegistry;
  readonly timelineOwner: TimelineOwner;
  /** The token the connection was opened with, for reads another node answers. */
  readonly token: string | undefined;
  readonly feeds: FeedService;
  readonly logError: (error: unknown) => void;
}

type PlayOutput = NonNullable<PlayAction['output']>;
/** A replay sent to a scene's device: its id, and its sink given the socket's (state and errors). */
interface DeviceReplay { readonly id: string; readonly sink: (control: SocketSink) => PlaybackSink }

type Subscription =
  | { readonly kind: 'playback'; readonly channel: string; readonly session: PlaybackSession; readonly output: ObservedSink; readonly as: PlayOutput; readonly device?: string }
  | { readonly kind: 'view'; readonly stream: ViewStream }
  | { readonly kind: 'timeline'; readonly stream: TimelineStream }
  | { readonly kind: 'followed'; readonly follows: FollowedReplay }
  | { readonly kind: 'feed'; readonly stream: FeedStream };

/** The key of the single session on a per-channel connection. */
const ONLY = Symbol('only');

export class WsConnection {
  readonly #socket: WebSocket;
  readonly #context: ConnectionContext;
  /** Set on /v1/channels/{channel}/ws; undefined on the multiplexed /v1/ws. */
  readonly #channel: string | undefined;
  readonly #subscriptions = new Map<string | typeof ONLY, Subscription>();
  /** Frames are handled one after another, in arrival order, even when one waits for the store. */
  #queue: Promise<void> = Promise.resolve();
  /** Created at the first scene or transform action. */
  #sceneSocket: SceneSocket | undefined = undefined;

  constructor(socket: WebSocket, context: ConnectionContext, channel: string | undefined) {
    this.#socket = socket;
    this.#context = context;
    this.#channel = channel;
    socket.on('message', (data, isBinary) => {
      this.#queue = this.#queue.then(() => this.#receive(data, isBinary));
    });
    socket.on('close', () => this.close());
    // A client that sends nothing receives the channel live.
    if (channel !== undefined) this.#subscribe(ONLY, channel).session.handle({ kind: 'live', after: null });
  }

  close(): void {
    this.#sceneSocket?.close();
    for (const subscription of this.#subscriptions.values()) closeSubscription(subscription);
    this.#subscriptions.clear();
  }

  async #receive(data: RawData, isBinary: boolean): Promise<void> {
    let sub: string | undefined;
    try {
      const message = this.#decode(data, isBinary);
      sub = message.sub;
      await this.#dispatch(message);
    } catch (error) {
      if (!isPlayheadError(error)) this.#context.logError(error);
      const reply = isPlayheadError(error) ? error : new PlayheadError('internal', 'internal error: the server logged the details');
      this.#send(encodeError(reply, this.#channel === undefined ? sub : undefined));
    }
  }

  #decode(data: RawData, isBinary: boolean): ClientMessage {
    if (isBinary) throw new PlayheadError('invalid_parameter', 'send JSON text frames, not binary ones');
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (bytes > this.#context.limits.maxFrameBytes) {
      throw new PlayheadError('payload_too_large', `frame is ${bytes} bytes, over the limit of ${this.#context.limits.maxFrameBytes}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(data.toString());
    } catch (error) {
      throw new PlayheadError('invalid_json', `frame is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = parseClientMessage(value);
    if (!parsed.ok) throw new PlayheadError(parsed.code, parsed.message);
    return parsed.message;
  }

  async #dispatch(message: ClientMessage): Promise<void> {
    if (message.action === 'scene' || message.action === 'transform') return this.#scenes().handle(message);
    if (message.action === 'timeline') {
      if (message.follow !== undefined) return this.#followTimeline(message.sub, message.timeline, message.key, message.follow);
      return this.#openTimeline(message.sub, message.timeline, message.key);
    }
    if (message.action === 'view') {
      if (message.asOf !== undefined) return this.#sendViewAt(message.sub, message.view, message.asOf);
      if (message.follow !== undefined) return this.#followReplay(message.sub, message.view, message.follow);
      return this.#openView(message.sub, message.view);
    }
    if (message.action === 'feed') return this.#openFeed(message.sub, message.feed, message.limit);
    const key = this.#channel === undefined ? requireSub(message) : ONLY;
    if (this.#channel !== undefined && message.channel !== undefined && message.channel !== this.#channel) {
      throw new PlayheadError('invalid_parameter', `this connection plays channel ${this.#channel}: use /v1/ws to play several channels`);
    }
    const existing = this.#subscriptions.get(key);
    if (message.action === 'stop' && existing !== undefined && existing.kind !== 'playback') {
      closeSubscription(existing);
      this.#subscriptions.delete(key);
      return;
    }
    const command = resolveCommand(message, this.#context.clock.now());
    let subscription = this.#playbackOf(key);
    const opens = message.action === 'play' || message.action === 'live';
    const device = message.action === 'play' ? message.device : subscription?.device;
    const as = device !== undefined ? 'transforms' : message.action === 'play' ? message.output ?? 'events' : subscription?.as ?? 'events';
    if (opens && message.channel !== undefined && (message.channel !== subscription?.channel || as !== subscription.as || device !== subscription.device)) {
      subscription = await this.#open(key, message.channel, as, device);
    }
    if (subscription === undefined) {
      if (opens) throw new PlayheadError('invalid_parameter', `${message.action} on /v1/ws needs "channel" to open sub ${String(key)}`);
      throw new PlayheadError('unknown_subscription', `sub ${JSON.stringify(key)} is not open: send play or live with a channel first`);
    }
    subscription.session.handle(command);
    for (const other of this.#subscriptions.values()) if (other.kind === 'followed' && other.follows.session === subscription.session) other.follows.commanded(command);
    if (command.kind === 'stop' && key !== ONLY) this.#subscriptions.delete(key);
  }

  #scenes(): SceneSocket {
    const { scenes, clock, grant, limits } = this.#context;
    if (this.#channel !== undefined || scenes === undefined) throw new PlayheadError('invalid_parameter', 'scenes are joined on /v1/ws, not on a channel\'s endpoint');
    return (this.#sceneSocket ??= new SceneSocket(this.#socket, { scenes, clock, grant, maxBufferedBytes: limits.maxSceneBufferedBytes ?? SCENE_BUFFERED_BYTES }));
  }

  #playbackOf(key: string | typeof ONLY): Extract<Subscription, { kind: 'playback' }> | undefined {
    const subscription = this.#subscriptions.get(key);
    if (subscription === undefined || subscription.kind === 'playback') return subscription;
    throw new PlayheadError('invalid_parameter', `sub ${String(key)} follows a view: use another sub for playback`);
  }

  async #sendViewAt(sub: string | undefined, view: string, asOf: string | number): Promise<void> {
    const key = this.#viewSub(sub);
    const atMs = parseTime(asOf, { now: this.#context.clock.now(), field: 'asOf' });
    this.#checkViewAccess(view);
    const { rows } = await this.#context.views.rowsAt(view, atMs);
    const message: BaseMessage = { type: 'base', sub: key, view, asOf: 0, at: atMs, rows };
    this.#send(JSON.stringify(message));
  }

  #viewSub(sub: string | undefined): string {
    if (this.#channel !== undefined) throw new PlayheadError('invalid_parameter', 'views are streamed on /v1/ws, not on a channel\'s endpoint');
    return requireSub({ sub });
  }

  /** Makes room for `key`: refuses past the subscription limit, and closes what `key` held. */
  #reserve(key: string | typeof ONLY): void {
    const { maxSubscriptions } = this.#context.limits;
    const previous = this.#subscriptions.get(key);
    if (previous === undefined && this.#subscriptions.size >= maxSubscriptions) {
      throw new PlayheadError('invalid_parameter', `at most ${maxSubscriptions} subscriptions per connection: stop one first`);
    }
    if (previous !== undefined) closeSubscription(previous);
  }

  #checkViewAccess(view: string): void {
    const { grant, views } = this.#context;
    const { channels } = views.describe(view);
    for (const channel of channels) grant.require('read', channel, `read channel ${channel} of view ${view}`);
  }

  #openView(sub: string | undefined, view: string): void {
    const key = this.#viewSub(sub);
    const { views, clock, limits } = this.#context;
    this.#checkViewAccess(view);
    this.#reserve(key);
    const stream = new ViewStream(this.#socket, key, view, clock, limits.maxBufferedBytes);
    const { base, unsubscribe } = views.subscribe(view, (delta) => stream.delta(delta));
    stream.attach(unsubscribe);
    stream.base(base.asOf, base.rows);
    this.#subscriptions.set(key, { kind: 'view', stream });
  }

  /** A view whose clock and events are those of playback sub `follow` on this connection. */
  #followReplay(sub: string | undefined, view: string, follow: string): void {
    const key = this.#viewSub(sub);
    const { views, clock, limits, reader, logError } = this.#context;
    this.#checkViewAccess(view);
    const { channels } = views.describe(view);
    const played = this.#playbackToFollow(follow, channels, `view ${view}`);
    this.#reserve(key);
    const follower = new ViewFollower(new ReplayView(views.plan(view), reader), new ViewStream(this.#socket, key, view, clock, limits.maxBufferedBytes));
    this.#subscriptions.set(key, { kind: 'followed', follows: new FollowedReplay({ follower, session: played.session, output: played.output, clock: this.#context.clock, logError }) });
  }

  /** A timeline whose clock and events are those of playback sub `follow` on this connection. */
  #followTimeline(sub: string | undefined, timeline: string, timelineKey: string | undefined, follow: string): void {
    if (this.#channel !== undefined) throw new PlayheadError('invalid_parameter', 'timelines are streamed on /v1/ws, not on a channel\'s endpoint');
    const key = requireSub({ sub });
    const { timelines, limits, reader, grant, logError } = this.#context;
    const definition = timelines.describe(timeline);
    grant.require('read', definition.channel, `read channel ${definition.channel} of timeline ${timeline}`);
    const played = this.#playbackToFollow(follow, [definition.channel], `timeline ${timeline}`);
    this.#reserve(key);
    const follower = new TimelineFollower({ definition, reader, key: timelineKey, socket: this.#socket, sub: key, maxBufferedBytes: limits.maxBufferedBytes });
    this.#subscriptions.set(key, { kind: 'followed', follows: new FollowedReplay({ follower, session: played.session, output: played.output, clock: this.#context.clock, logError }) });
  }

  /** The playback sub `follow` names, which must replay the channels the follower reads. */
  #playbackToFollow(follow: string, channels: readonly string[], what: string): Extract<Subscription, { kind: 'playback' }> {
    const played = this.#subscriptions.get(follow);
    if (played?.kind !== 'playback') throw new PlayheadError('unknown_subscription', `follow names sub ${JSON.stringify(follow)}, which is not a playback on this connection: send play first`);
    if (channels.some((channel) => channel !== played.channel)) {
      throw new PlayheadError('invalid_parameter', `${what} reads ${channels.join(', ')}; it can follow a replay of the channel it reads, and sub ${follow} plays ${played.channel}`);
    }
    return played;
  }

  #openTimeline(sub: string | undefined, timeline: string, timelineKey: string | undefined): void {
    if (this.#channel !== undefined) throw new PlayheadError('invalid_parameter', 'timelines are streamed on /v1/ws, not on a channel\'s endpoint');
    const key = requireSub({ sub });
    const { timelines, timelineOwner, token, clock, grant, limits } = this.#context;
    timelines.describe(timeline);
    this.#reserve(key);
    const stream = new TimelineStream({
      socket: this.#socket, sub: key, timeline, key: timelineKey, timelines, owner: timelineOwner, token, clock, grant, maxBufferedBytes: limits.maxBufferedBytes,
    });
    this.#subscriptions.set(key, { kind: 'timeline', stream });
  }

  #openFeed(sub: string | undefined, feed: string, limit: number | undefined): void {
    if (this.#channel !== undefined) throw new PlayheadError('invalid_parameter', 'feeds are streamed on /v1/ws, not on a channel\'s endpoint');
    const key = requireSub({ sub });
    const feedKey = validateFeedKey(feed);
    const { grant, feeds, clock, limits } = this.#context;
    grant.require('read', feedScopeTarget(feedKey), `read feed ${feedKey}`);
    const pageItems = limit ?? feeds.limits.defaultPageItems;
    if (pageItems < 1 || pageItems > feeds.limits.maxPageItems) {
      throw new PlayheadError('invalid_parameter', `limit must be an integer from 1 to ${feeds.limits.maxPageItems}, got ${pageItems}`);
    }
    this.#reserve(key);
    const stream = new FeedStream({
      socket: this.#socket, sub: key, key: feedKey, limit: pageItems, feeds, clock,
      maxBufferedBytes: limits.maxBufferedBytes, logError: this.#context.logError,
    });
    this.#subscriptions.set(key, { kind: 'feed', stream });
  }

  async #open(key: string | typeof ONLY, channelName: string, as: PlayOutput, device?: string): Promise<Extract<Subscription, { kind: 'playback' }>> {
    const channel = validateChannelName(channelName);
    if (as === 'transforms' && !channel.startsWith(SCENE_CHANNEL_PREFIX)) {
      throw new PlayheadError('invalid_parameter', `output "transforms" replays a scene channel (${SCENE_CHANNEL_PREFIX}NAME), and ${channel} is not one`);
    }
    const { grant, reader } = this.#context;
    grant.require('read', channel);
    if (this.#context.requireExistingChannels && (await reader.getChannel(channel)) === undefined) {
      throw new PlayheadError('unknown_channel', `channel ${channel} has no events, and this server plays only existing channels`);
    }
    if (device !== undefined) grant.require('write', channel, `send a replay to a device of ${channel}`);
    // Checked before the sub is reserved, so a replay to an unknown device opens nothing.
    const toDevice = device === undefined ? undefined : this.#deviceReplay(channel, device);
    this.#reserve(key);
    return this.#subscribe(key, channel, as, toDevice);
  }

  /** Makes the sink of a replay sent to a scene's device, given the socket's sink for state and errors (docs/scenes.md). */
  #deviceReplay(channel: string, device: string): DeviceReplay {
    const { scenes } = this.#context;
    if (scenes === undefined) throw new PlayheadError('invalid_parameter', 'this server has no scenes: "device" sends a scene replay to a registered device');
    const scene = channel.slice(SCENE_CHANNEL_PREFIX.length);
    scenes.device(scenes.scene(scene), device);
    return { id: device, sink: (control) => scenes.replayTo(scene, device, control) };
  }

  #subscribe(key: string | typeof ONLY, channel: string, as: PlayOutput = 'events', toDevice?: DeviceReplay): Extract<Subscription, { kind: 'playback' }> {
    const { reader, bus, clock, wheel, limits, playback } = this.#context;
    const socketSink = new SocketSink(this.#socket, key === ONLY ? undefined : key, limits.maxBufferedBytes);
    const sink = toDevice !== undefined ? toDevice.sink(socketSink)
      : as === 'transforms' ? new TransformReplaySink(socketSink, channel, (text) => this.#send(text)) : socketSink;
    const output = new ObservedSink(sink);
    const session = new PlaybackSession({ channel, reader, bus, clock, wheel, sink: output, config: playback });
    const subscription = { kind: 'playback' as const, channel, session, output, as, ...(toDevice === undefined ? {} : { device: toDevice.id }) };
    this.#subscriptions.set(key, subscription);
    return subscription;
  }

  #send(text: string): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(text);
  }
}

function closeSubscription(subscription: Subscription): void {
  if (subscription.kind === 'playback') subscription.session.close();
  else if (subscription.kind === 'followed') subscription.follows.close();
  else subscription.stream.close();
}

function requireSub(message: { readonly sub?: string }): string {
  if (message.sub === undefined || message.sub === '') {
    throw new PlayheadError('invalid_parameter', 'every message on /v1/ws needs "sub", the id you choose for the subscription');
  }
  return message.sub;
}
