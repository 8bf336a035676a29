/**
 * The dashboard's entry point: wires the channel list, scrubber, transport,
 * rate chart, event list and trajectory scene to one ChannelPlayer, and
 * runs the animation loop that moves the playhead between state messages.
 */
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { connect, type PlayheadClient, type StateMessage, type WireEvent } from '../../client/index.js';
import type { WireChannel } from '../../src/protocol/http-messages.js';
import { byTestId } from './by-test-id.js';
import { ChannelList } from './channel-list.js';
import { ChannelPlayer } from './channel-player.js';
import { DashboardApi } from './dashboard-api.js';
import { EventList } from './event-list.js';
import { EventRate } from './event-rate.js';
import { bindKeyboardShortcuts } from './keyboard-shortcuts.js';
import { readPageConfig } from './page-config.js';
import { PlayheadClock } from './playhead-clock.js';
import { RateChart } from './rate-chart.js';
import { RecentEvents } from './recent-events.js';
import { SceneBounds } from './scene-bounds.js';
import { Scrubber } from './scrubber.js';
import { seedSceneBounds } from './seed-scene-bounds.js';
import { formatDuration, formatIso } from './time-format.js';
import { TrajectoryTracks } from './trajectory-tracks.js';
import { TrajectoryView } from './trajectory-view.js';
import { TransportBar } from './transport-bar.js';
import { FeedPanel } from './feed-panel.js';
import { TimelinePanel } from './timeline-panel.js';
import { ViewPanel } from './view-panel.js';

const MAX_RECENT_EVENTS = 1_000;
const HISTOGRAM_BUCKETS = 240;
/** 60 completed seconds plus the one being counted. */
const RATE_WINDOW_SECONDS = 61;
const RATE_REFRESH_MS = 500;
const CHANNELS_REFRESH_MS = 15_000;
const ERROR_SHOWN_MS = 6_000;
/** Channels drawn on the scene canvas: recorded trajectories, and the transforms of a scene (docs/scenes.md). */
const SCENE_PREFIXES = ['trajectories.', 'scene.'] as const;
/** Playhead's own records (view definitions and the like): not something to replay. */
const RESERVED_PREFIX = 'playhead.';
const MS_PER_SECOND = 1_000;

const config = readPageConfig(location);
const api = new DashboardApi(config);

const recent = new RecentEvents(MAX_RECENT_EVENTS);
const rate = new EventRate(RATE_WINDOW_SECONDS);
const clock = new PlayheadClock();
const tracks = new TrajectoryTracks();
const bounds = new SceneBounds();

const connection = byTestId(document, 'connection', HTMLElement);
const channelTitle = byTestId(document, 'channel-title', HTMLElement);
const channelRange = byTestId(document, 'channel-range', HTMLElement);
const hoverReadout = byTestId(document, 'scrubber-hover', HTMLElement);
const eventCount = byTestId(document, 'event-count', HTMLElement);
const errorBanner = byTestId(document, 'error', HTMLElement);
const panels = byTestId(document, 'panels', HTMLElement);
const scenePanel = byTestId(document, 'trajectory-panel', HTMLElement);

let showingScene = false;
let errorTimer: ReturnType<typeof setTimeout> | undefined;

function showError(message: string): void {
  errorBanner.textContent = message;
  errorBanner.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => (errorBanner.hidden = true), ERROR_SHOWN_MS);
}

function showState(state: StateMessage | undefined): void {
  transport.showState(state);
  const live = state?.status === 'live';
  scrubber.setWindow(live ? null : (state?.start ?? null), live ? null : (state?.end ?? null));
}

/** The connection of the current session; a closed one's last word is ignored. */
let activeClient: PlayheadClient | undefined;

function showConnection(state: 'connecting' | 'connected' | 'reconnecting'): void {
  connection.dataset['state'] = state;
  connection.textContent = state === 'connected' ? 'connected' : `${state}…`;
}

function openClient(): PlayheadClient {
  const client = connect(config.origin, config.token === undefined ? {} : { token: config.token });
  activeClient = client;
  showConnection('connecting');
  client.onConnection((connected) => {
    if (client === activeClient) showConnection(connected ? 'connected' : 'reconnecting');
  });
  return client;
}

const player = new ChannelPlayer(openClient, {
  restart: () => {
    recent.clear();
    tracks.clear();
    clock.reset();
    eventList.invalidate();
    showState(undefined);
  },
  event: (event: WireEvent) => {
    recent.push(event);
    rate.record(1, Date.now());
    eventList.invalidate();
    const sample = showingScene ? tracks.add(event) : undefined;
    if (sample !== undefined) bounds.include(sample.x, sample.y);
  },
  session: (client, playback) => {
    viewPanel.attach(client, playback);
    feedPanel.attach(client);
  },
  state: (state) => {
    clock.update(state, performance.now());
    showState(state);
  },
  error: showError,
});
const viewPanel = new ViewPanel({
  select: byTestId(document, 'view-select', HTMLSelectElement),
  follow: byTestId(document, 'view-follow', HTMLButtonElement),
  empty: byTestId(document, 'view-empty', HTMLElement),
  bars: byTestId(document, 'view-bars', HTMLElement),
  table: byTestId(document, 'view-table', HTMLTableElement),
}, showError);
const feedPanel = new FeedPanel({
  panel: byTestId(document, 'feed-panel', HTMLElement),
  key: byTestId(document, 'feed-key', HTMLSelectElement),
  list: byTestId(document, 'feed-list', HTMLElement),
}, api, showError);
const timelinePanel = new TimelinePanel({
  panel: byTestId(document, 'timeline-panel', HTMLElement),
  key: byTestId(document, 'timeline-key', HTMLSelectElement),
  range: byTestId(document, 'timeline-range', HTMLElement),
  rows: byTestId(document, 'timeline-rows', HTMLElement),
}, api, showError);

const channelList = new ChannelList(byTestId(document, 'channel-list', HTMLElement), (channel) => void selectChannel(channel));
const scrubber = new Scrubber(byTestId(document, 'scrubber', HTMLElement), {
  seek: (ts) => player.seek(ts),
  selectWindow: (start, end) => player.playWindow({ start, end }),
  hover: (ts, count) => {
    hoverReadout.textContent = ts === undefined ? '' : `${formatIso(ts)} · ${(count ?? 0).toLocaleString('en-US')} events in bucket`;
  },
});
const transport = new TransportBar(document, player);
const eventList = new EventList(byTestId(document, 'event-list', HTMLElement), recent);
const rateChart = new RateChart(byTestId(document, 'rate-chart', HTMLElement), RATE_WINDOW_SECONDS - 1);
const trajectoryView = new TrajectoryView(byTestId(document, 'trajectory-canvas', HTMLCanvasElement), bounds);
bindKeyboardShortcuts(window, player);

/** Guards against an older selection's requests finishing after a newer one's. */
let selection = 0;

async function selectChannel(channel: WireChannel): Promise<void> {
  if (channel.firstTs === null || channel.lastTs === null) return;
  const mine = ++selection;
  channelList.select(channel.name);
  channelTitle.textContent = channel.name;
  channelRange.textContent = `${channel.count.toLocaleString('en-US')} events · ${channel.firstTime} → ${channel.lastTime} · ${formatDuration(channel.lastTs - channel.firstTs)}`;
  showingScene = SCENE_PREFIXES.some((prefix) => channel.name.startsWith(prefix));
  scenePanel.hidden = !showingScene;
  panels.classList.toggle('has-scene', showingScene);
  bounds.clear();
  activeClient = undefined;
  player.stop();
  try {
    const [histogram, views, timelines, feedRules] = await Promise.all([
      api.histogram(channel.name, HISTOGRAM_BUCKETS),
      api.views(),
      api.timelines(),
      api.feedRules(),
      showingScene ? seedSceneBounds(api, channel.name, bounds) : undefined,
    ]);
    if (mine !== selection) return;
    scrubber.show(histogram);
    viewPanel.showViews(views.filter((view) => view.channels.every((name) => name === channel.name)));
    feedPanel.show(channel.name, feedRules.filter((rule) => rule.channel === channel.name)).catch((error: unknown) => showError(`could not load the feeds of ${channel.name}: ${error instanceof Error ? error.message : String(error)}`));
    timelinePanel.show(channel.name, timelines.filter((timeline) => timeline.channel === channel.name)).catch((error: unknown) => showError(`could not load the timelines of ${channel.name}: ${error instanceof Error ? error.message : String(error)}`));
    // The window is [start, end): one past the last event includes it.
    player.select(channel.name, { start: channel.firstTs, end: channel.lastTs + 1 });
    transport.setEnabled(true);
  } catch (error) {
    if (mine === selection) showError(`could not load ${channel.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function refreshChannels(): Promise<void> {
  try {
    channelList.render((await api.channels()).filter((channel) => !channel.name.startsWith(RESERVED_PREFIX)));
  } catch (error) {
    showError(`could not list channels: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function animate(now: number): void {
  const position = clock.positionAt(now);
  scrubber.setPlayhead(position);
  timelinePanel.setPlayhead(position);
  transport.showPosition(position);
  eventCount.textContent = recent.delivered.toLocaleString('en-US');
  eventCount.dataset['count'] = String(recent.delivered);
  if (showingScene) trajectoryView.draw(position === undefined ? [] : tracks.positionsAt(position));
  requestAnimationFrame(animate);
}

setInterval(() => {
  const nowMs = Date.now();
  const [seconds, counts] = rate.series(nowMs);
  rateChart.update(seconds, counts, Math.floor(nowMs / MS_PER_SECOND));
}, RATE_REFRESH_MS);
setInterval(() => void refreshChannels(), CHANNELS_REFRESH_MS);

showState(undefined);
requestAnimationFrame(animate);
void refreshChannels();
