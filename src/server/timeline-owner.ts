/**
 * Reads of a timeline that another node evaluates go to that node: the
 * holder of its lease, at the address its heartbeats advertise
 * (docs/scaling.md "Ownership"). A forwarded request is marked, so one that
 * reaches a node that no longer evaluates the timeline is answered, not
 * passed on again.
 */
import { PlayheadError } from '../core/errors.js';
import { isClusterMembership } from '../live/cluster-membership.js';
import type { Leases } from '../live/leases.js';
import type { LiveBus } from '../live/live-bus.js';
import type { Scalar } from '../timeline/timeline-piece.js';
import { timelineLease, type TimelineRegistry } from '../timeline/timeline-registry.js';

/** Set on a request one node sends another; its value is the sender's id. */
export const FORWARDED_BY_HEADER = 'x-playhead-forwarded-by';

/** How long the owner has to answer a forwarded read. */
const FORWARD_TIMEOUT_MS = 5_000;

export interface OwnerReply {
  readonly status: number;
  readonly body: unknown;
}

export interface TimelineOwnerOptions {
  readonly timelines: TimelineRegistry;
  readonly leases: Leases;
  readonly bus: LiveBus;
  readonly nodeId: string;
}

export class TimelineOwner {
  readonly #options: TimelineOwnerOptions;

  constructor(options: TimelineOwnerOptions) {
    this.#options = options;
  }

  /**
   * Sends a GET (`path` with its query) for timeline `name` to the node that
   * evaluates it and returns its answer; throws `timeline_unavailable` when
   * no node can answer now. `forwarded`: the request came from another node.
   */
  async get(name: string, path: string, token: string | undefined, forwarded: boolean): Promise<OwnerReply> {
    const { timelines, leases, bus, nodeId } = this.#options;
    if (timelines.place(name) === 'starting') throw unavailable(`timeline ${name} is reading its history on this node: retry in a moment`);
    if (forwarded) throw unavailable(`timeline ${name} moved to another node while this request was on its way: retry`);
    const owner = (await leases.owners()).get(timelineLease(name));
    if (owner === undefined) throw unavailable(`no node evaluates timeline ${name} right now (its owner may have just died): retry within the takeover time (--takeover)`);
    if (owner === nodeId) throw unavailable(`timeline ${name} is starting on this node: retry in a moment`);
    const url = isClusterMembership(bus) ? bus.nodes().find((node) => node.id === owner)?.url : undefined;
    if (url === undefined) throw unavailable(`node ${owner} evaluates timeline ${name} but has not said where it listens (--advertise): retry in a few seconds`);
    try {
      const reply = await fetch(`${url}${path}`, {
        headers: { [FORWARDED_BY_HEADER]: nodeId, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      return { status: reply.status, body: await reply.json() };
    } catch (error) {
      throw unavailable(`node ${owner} (${url}) evaluates timeline ${name} and did not answer: ${(error as Error).message}`, error);
    }
  }

  /** A key's value at `at`: from this node's evaluator, or asked of the owner. */
  async valueAt(name: string, key: string, at: number, token: string | undefined): Promise<{ readonly value: Scalar | null; readonly rate?: number }> {
    const { timelines } = this.#options;
    if (timelines.place(name) === 'here') return timelines.valueAt(name, key, at);
    const reply = await this.get(name, `/v1/timelines/${encodeURIComponent(name)}/keys/${encodeURIComponent(key)}?at=${at}`, token, false);
    const body = reply.body as { value: Scalar | null; rate?: number; error?: { code: string; message: string } };
    if (reply.status !== 200) throw unavailable(`node holding ${timelineLease(name)} answered ${reply.status}: ${body.error?.message ?? 'no message'}`);
    return body.rate === undefined ? { value: body.value } : { value: body.value, rate: body.rate };
  }
}

function unavailable(message: string, cause?: unknown): PlayheadError {
  return new PlayheadError('timeline_unavailable', message, cause === undefined ? undefined : { cause });
}
