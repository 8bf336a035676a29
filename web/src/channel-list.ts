/** The channel picker: each channel with its event count and time range; a click selects it. */
import type { WireChannel } from '../../src/protocol/http-messages.js';
import { formatDuration } from './time-format.js';

export class ChannelList {
  readonly #root: HTMLElement;
  readonly #onSelect: (channel: WireChannel) => void;
  #selected: string | undefined = undefined;

  constructor(root: HTMLElement, onSelect: (channel: WireChannel) => void) {
    this.#root = root;
    this.#onSelect = onSelect;
  }

  render(channels: readonly WireChannel[]): void {
    if (channels.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'channel-empty';
      empty.textContent = 'No channels yet. Write events to POST /v1/channels/{channel}/events.';
      this.#root.replaceChildren(empty);
      return;
    }
    this.#root.replaceChildren(...channels.map((channel) => this.#item(channel)));
  }

  select(name: string): void {
    this.#selected = name;
    for (const button of this.#root.querySelectorAll<HTMLElement>('[data-channel]')) {
      button.setAttribute('aria-pressed', String(button.dataset['channel'] === name));
    }
  }

  #item(channel: WireChannel): HTMLElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'channel-item';
    button.dataset['testid'] = 'channel-item';
    button.dataset['channel'] = channel.name;
    button.setAttribute('aria-pressed', String(channel.name === this.#selected));
    button.addEventListener('click', () => this.#onSelect(channel));

    const name = document.createElement('span');
    name.className = 'channel-name';
    name.textContent = channel.name;
    const count = document.createElement('span');
    count.className = 'channel-count';
    count.textContent = channel.count.toLocaleString('en-US');
    const range = document.createElement('span');
    range.className = 'channel-range';
    range.textContent = describeRange(channel);
    button.title = channel.firstTime === null ? channel.name : `${channel.name}: ${channel.firstTime} → ${channel.lastTime}`;
    button.append(name, count, range);

    const item = document.createElement('li');
    item.append(button);
    return item;
  }
}

function describeRange(channel: WireChannel): string {
  if (channel.firstTime === null || channel.lastTime === null || channel.firstTs === null || channel.lastTs === null) return 'empty';
  const first = channel.firstTime.slice(0, 19).replace('T', ' ');
  return `${first} · ${formatDuration(channel.lastTs - channel.firstTs)}`;
}
