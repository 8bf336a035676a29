/**
 * Keys for the transport: Space play/pause, ←/→ seek 10 s back/forward,
 * "." step one event (pausing first), L loop. Keys typed into a form field
 * are left alone.
 */
import type { ChannelPlayer } from './channel-player.js';

const ACTIONS: Readonly<Record<string, (player: ChannelPlayer) => void>> = {
  ' ': (player) => player.togglePlay(),
  ArrowLeft: (player) => player.seekBack(),
  ArrowRight: (player) => player.seekForward(),
  '.': (player) => player.step(),
  l: (player) => player.toggleLoop(),
  L: (player) => player.toggleLoop(),
};

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement
    || (target instanceof HTMLElement && target.isContentEditable);
}

export function bindKeyboardShortcuts(target: Window, player: ChannelPlayer): void {
  target.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    const action = Object.hasOwn(ACTIONS, event.key) ? ACTIONS[event.key] : undefined;
    if (action === undefined) return;
    // Space would also scroll the page or press the focused button a second time.
    event.preventDefault();
    action(player);
  });
}
