/**
 * The transport controls (play/pause, reverse, step, speed, fit, loop,
 * live) and the session readouts (status, position, speed, iteration,
 * window). Controls call the player; readouts follow the server's state,
 * and the position follows the interpolated playhead.
 */
import type { StateMessage } from '../../client/index.js';
import { byTestId } from './by-test-id.js';
import type { ChannelPlayer } from './channel-player.js';
import { formatIso } from './time-format.js';

export const SPEED_CHOICES = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] as const;

const SIGNIFICANT_DIGITS = 4;

export function formatSpeed(speed: number): string {
  return `${Number(speed.toPrecision(SIGNIFICANT_DIGITS))}×`;
}

export class TransportBar {
  readonly #player: ChannelPlayer;
  readonly #playPause: HTMLButtonElement;
  readonly #reverse: HTMLButtonElement;
  readonly #loop: HTMLButtonElement;
  readonly #speedSelect: HTMLSelectElement;
  readonly #customSpeed: HTMLOptionElement;
  readonly #fitSeconds: HTMLInputElement;
  readonly #controls: readonly (HTMLButtonElement | HTMLSelectElement | HTMLInputElement)[];
  readonly #status: HTMLElement;
  readonly #position: HTMLElement;
  readonly #speed: HTMLElement;
  readonly #iteration: HTMLElement;
  readonly #window: HTMLElement;
  #shownPosition: number | undefined = undefined;

  constructor(root: ParentNode, player: ChannelPlayer) {
    this.#player = player;
    this.#playPause = byTestId(root, 'play-pause', HTMLButtonElement);
    this.#reverse = byTestId(root, 'reverse', HTMLButtonElement);
    this.#loop = byTestId(root, 'loop-toggle', HTMLButtonElement);
    this.#speedSelect = byTestId(root, 'speed-select', HTMLSelectElement);
    this.#fitSeconds = byTestId(root, 'fit-seconds', HTMLInputElement);
    this.#status = byTestId(root, 'status', HTMLElement);
    this.#position = byTestId(root, 'position', HTMLElement);
    this.#speed = byTestId(root, 'speed', HTMLElement);
    this.#iteration = byTestId(root, 'iteration', HTMLElement);
    this.#window = byTestId(root, 'window', HTMLElement);
    const step = byTestId(root, 'step', HTMLButtonElement);
    const fit = byTestId(root, 'fit-button', HTMLButtonElement);
    const live = byTestId(root, 'live-button', HTMLButtonElement);

    this.#customSpeed = document.createElement('option');
    this.#customSpeed.hidden = true;
    this.#speedSelect.append(this.#customSpeed, ...SPEED_CHOICES.map((speed) => new Option(formatSpeed(speed), String(speed))));
    this.#speedSelect.value = '1';

    this.#playPause.addEventListener('click', () => player.togglePlay());
    this.#reverse.addEventListener('click', () => player.reverse());
    step.addEventListener('click', () => player.step());
    this.#loop.addEventListener('click', () => player.toggleLoop());
    live.addEventListener('click', () => player.live());
    this.#speedSelect.addEventListener('change', () => {
      const speed = Number(this.#speedSelect.value);
      if (speed > 0) player.setSpeed(speed);
      // Give the keys back to the shortcuts (a focused select would take Space and the arrows).
      this.#speedSelect.blur();
    });
    fit.addEventListener('click', () => {
      const seconds = Number(this.#fitSeconds.value);
      if (seconds > 0) player.fit(seconds);
      else this.#fitSeconds.setCustomValidity('a number of seconds > 0');
    });
    this.#fitSeconds.addEventListener('input', () => this.#fitSeconds.setCustomValidity(''));
    this.#controls = [this.#playPause, this.#reverse, step, this.#speedSelect, this.#fitSeconds, fit, this.#loop, live];
    this.setEnabled(false);
  }

  setEnabled(enabled: boolean): void {
    for (const control of this.#controls) control.disabled = !enabled;
  }

  showState(state: StateMessage | undefined): void {
    const status = state?.status ?? 'idle';
    this.#status.textContent = status;
    this.#status.dataset['status'] = status;
    this.#playPause.dataset['playing'] = String(status === 'playing' || status === 'live');
    this.#playPause.setAttribute('aria-label', status === 'playing' || status === 'live' ? 'Pause' : 'Play');
    const speed = state?.speed ?? this.#player.speed;
    this.#speed.textContent = formatSpeed(speed);
    this.#speed.dataset['speed'] = String(speed);
    this.#showSpeedChoice(Math.abs(speed));
    this.#reverse.setAttribute('aria-pressed', String(speed < 0));
    this.#loop.setAttribute('aria-pressed', String(state?.loop ?? this.#player.loop));
    this.#iteration.textContent = String(state?.iteration ?? 0);
    this.#iteration.dataset['iteration'] = String(state?.iteration ?? 0);
    this.#window.textContent = state === undefined ? '—' : state.status === 'live' ? 'live' : describeWindow(state.start, state.end);
    if (state === undefined) this.showPosition(undefined);
  }

  showPosition(ts: number | undefined): void {
    const rounded = ts === undefined ? undefined : Math.round(ts);
    if (rounded === this.#shownPosition) return;
    this.#shownPosition = rounded;
    this.#position.textContent = rounded === undefined ? '—' : formatIso(rounded);
    this.#position.dataset['ts'] = rounded === undefined ? '' : String(rounded);
  }

  #showSpeedChoice(magnitude: number): void {
    const listed = SPEED_CHOICES.some((speed) => speed === magnitude);
    this.#customSpeed.hidden = listed;
    if (!listed) {
      this.#customSpeed.value = String(magnitude);
      this.#customSpeed.textContent = formatSpeed(magnitude);
    }
    this.#speedSelect.value = String(magnitude);
  }
}

function describeWindow(start: number | null, end: number | null): string {
  if (start === null) return 'live';
  return `${formatIso(start)} → ${end === null ? 'live' : formatIso(end)}`;
}
