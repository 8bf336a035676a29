import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Playback, PlayheadClient, PlayOptions, StateMessage, WireEvent } from '../../client/index.js';
import { ChannelPlayer } from '../../web/src/channel-player.js';

const START = Date.UTC(2018, 2, 7, 16, 16, 17);
const END = START + 60_000;

/** A Playback that records the commands it is sent and lets the test play the server. */
class FakePlayback {
  readonly options: PlayOptions;
  readonly sent: string[] = [];
  state: StateMessage | undefined = undefined;
  #onEvent: (event: WireEvent) => void = () => {};
  #onState: (state: StateMessage) => void = () => {};

  constructor(options: PlayOptions) {
    this.options = options;
  }

  onEvent(listener: (event: WireEvent) => void): void { this.#onEvent = listener; }
  onState(listener: (state: StateMessage) => void): void { this.#onState = listener; }
  onError(): void {}
  pause(): void { this.sent.push('pause'); }
  resume(): void { this.sent.push('resume'); }
  seek(to: number): void { this.sent.push(`seek ${to}`); }
  speed(speed: number): void { this.sent.push(`speed ${speed}`); }
  loop(loop: boolean): void { this.sent.push(`loop ${loop}`); }
  step(count: number): void { this.sent.push(`step ${count}`); }
  stop(): void { this.sent.push('stop'); }

  serverState(fields: Partial<StateMessage>): void {
    const state: StateMessage = { type: 'state', status: 'playing', position: START, time: '', speed: 1, loop: false, start: START, end: END, iteration: 0, ...this.state, ...fields };
    this.state = state;
    this.#onState(state);
  }

  serverEvent(ts: number): void {
    this.#onEvent({ channel: 'wiki', seq: ts - START + 1, ts, time: new Date(ts).toISOString(), id: null, data: null });
  }
}

function harness() {
  const playbacks: FakePlayback[] = [];
  const closed: number[] = [];
  const seen = { events: [] as number[], states: [] as string[], restarts: 0, sessions: 0 };
  const openClient = (): PlayheadClient => {
    const index = playbacks.length;
    // Only channel().play() and close() are used by ChannelPlayer; the fake stands in for the rest.
    return {
      channel: () => ({
        play: (options: PlayOptions) => {
          const playback = new FakePlayback(options);
          playbacks.push(playback);
          return playback as unknown as Playback;
        },
        live: () => { throw new Error('not used'); },
      }),
      view: () => { throw new Error('not used'); },
      feed: () => { throw new Error('not used'); },
      scene: () => { throw new Error('not used'); },
      onConnection: () => {},
      drop: () => {},
      close: () => closed.push(index),
    };
  };
  const player = new ChannelPlayer(openClient, {
    restart: () => seen.restarts++,
    session: () => seen.sessions++,
    event: (event) => seen.events.push(event.ts),
    state: (state) => seen.states.push(`${state.status} ${state.position - START} ${state.speed}`),
    error: () => {},
  });
  const last = (): FakePlayback => {
    const playback = playbacks.at(-1);
    assert.ok(playback !== undefined);
    return playback;
  };
  return { player, playbacks, closed, seen, last };
}

describe('ChannelPlayer #select', () => {
  it('cues the channel paused at its start at the chosen pace, hiding the events and states of the cue', () => {
    const { player, seen, last } = harness();
    player.setSpeed(10);
    player.select('wiki', { start: START, end: END });
    const cue = last();
    assert.deepEqual(cue.options, { start: START, end: END, speed: 0.0001, loop: false });
    cue.serverState({ status: 'playing', speed: 0.0001 });
    cue.serverEvent(START);
    assert.deepEqual(cue.sent, ['pause', `seek ${START}`, 'speed 10']);
    cue.serverState({ status: 'paused', speed: 0.0001 });
    cue.serverState({ status: 'paused', speed: 0.0001 });
    assert.deepEqual(seen.states, []);
    cue.serverState({ status: 'paused', speed: 10 });
    assert.deepEqual(seen.states, ['paused 0 10']);
    cue.serverEvent(START);
    assert.deepEqual(seen.events, [START]);
  });

  it('starts a new channel forward at the pace last picked, not a fitted or reversed one', () => {
    const { player, last } = harness();
    player.setSpeed(5);
    player.select('wiki', { start: START, end: END });
    player.fit(3);
    last().serverState({ speed: 20_000 });
    player.reverse();
    player.select('other', { start: START, end: END });
    last().serverState({ status: 'playing', speed: 0.0001 });
    assert.deepEqual(last().sent, ['pause', `seek ${START}`, 'speed 5']);
  });
});

describe('ChannelPlayer #playWindow', () => {
  it('plays the window looping on a new session and connection, closing the old ones', () => {
    const { player, playbacks, closed, seen, last } = harness();
    player.select('wiki', { start: START, end: END });
    player.playWindow({ start: START + 1_000, end: START + 5_000 });
    assert.deepEqual(playbacks[0]?.sent, ['stop']);
    assert.deepEqual(closed, [0]);
    assert.equal(seen.restarts, 2);
    assert.equal(seen.sessions, 2, 'each session is announced, so a view can follow it');
    assert.deepEqual(last().options, { start: START + 1_000, end: START + 5_000, speed: 1, loop: true });
    last().serverEvent(START + 1_000);
    assert.deepEqual(seen.events, [START + 1_000]);
  });
});

describe('ChannelPlayer #togglePlay', () => {
  it('pauses a playing session and resumes a paused or ended one', () => {
    const { player, last } = harness();
    player.select('wiki', { start: START, end: END });
    player.playWindow({ start: START, end: END });
    const playback = last();
    for (const status of ['playing', 'paused', 'ended'] as const) {
      playback.serverState({ status });
      player.togglePlay();
    }
    assert.deepEqual(playback.sent, ['pause', 'resume', 'resume']);
  });
});

describe('ChannelPlayer #step', () => {
  it('pauses a playing session before stepping', () => {
    const { player, last } = harness();
    player.select('wiki', { start: START, end: END });
    player.playWindow({ start: START, end: END });
    last().serverState({ status: 'playing' });
    player.step();
    assert.deepEqual(last().sent, ['pause', 'step 1']);
  });
});
