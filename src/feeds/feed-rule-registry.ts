/**
 * The server's feed rules: definitions kept durably in the event log (the
 * reserved `playhead.feed-rules` channel, replayed at start, as views keep
 * theirs), each rule run from its stored checkpoint so a restart catches up
 * without adding anything twice. Every node knows every rule; the node that
 * holds a rule's lease runs it, and another takes over from the checkpoint
 * when that node dies (docs/scaling.md "Ownership").
 */
import type { Clock } from '../core/clock.js';
import { PlayheadError } from '../core/errors.js';
import type { Leases } from '../live/leases.js';
import type { LiveBus } from '../live/live-bus.js';
import { DefinitionLog } from '../playback/definition-log.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import { FeedRule, type FeedRuleDefinition } from './feed-rule.js';
import { FeedRuleRunner } from './feed-rule-runner.js';
import type { FeedService } from './feed-service.js';

export const FEED_RULES_CHANNEL = 'playhead.feed-rules';
const MAX_DEFINITION_BYTES = 64 << 10;

type RuleRecord = { readonly action: 'create'; readonly rule: FeedRuleDefinition } | { readonly action: 'delete'; readonly name: string };

export interface FeedRuleRegistryOptions {
  readonly reader: EventReader;
  readonly writer: EventWriter;
  readonly bus: LiveBus;
  readonly feeds: FeedService;
  readonly clock: Clock;
  /** Decide which node runs each rule. */
  readonly leases: Leases;
  /** Told when a rule stops (its channel or the feed store failed); the rule is removed until the next start. */
  readonly onRuleFailed?: (name: string, error: unknown) => void;
}

interface KnownRule {
  readonly rule: FeedRule;
  /** Present while this node holds the rule's lease. */
  runner: FeedRuleRunner | undefined;
  release: (() => void) | undefined;
  /** Why the rule stopped, when it failed. */
  failure?: unknown;
}

function recordName(record: RuleRecord): string {
  return record.action === 'create' ? (record.rule.name as string) : record.name;
}

/** The lease that decides which node runs a rule. */
function feedRuleLease(name: string): string {
  return `feed-rule:${name}`;
}

export class FeedRuleRegistry {
  readonly #options: FeedRuleRegistryOptions;
  readonly #rules = new Map<string, KnownRule>();
  readonly #log: DefinitionLog<RuleRecord>;

  constructor(options: FeedRuleRegistryOptions) {
    this.#options = options;
    this.#log = new DefinitionLog<RuleRecord>({
      channel: FEED_RULES_CHANNEL, reader: options.reader, writer: options.writer, bus: options.bus, clock: options.clock,
      maxRecordBytes: MAX_DEFINITION_BYTES,
      nameOf: recordName,
      apply: (record) => this.#apply(record),
      onError: (error, record) => options.onRuleFailed?.(record === undefined ? FEED_RULES_CHANNEL : recordName(record), error),
    });
  }

  /** Restarts every stored rule from its checkpoint, then follows rules made on other nodes; a rule that fails is skipped and reported. */
  async load(): Promise<{ readonly name: string; readonly error: unknown }[]> {
    return (await this.#log.open()).map(({ record, error }) => ({ name: recordName(record), error }));
  }

  /** Validates, stores and starts a rule; resolves once its channel's history is in the feeds (when this node runs it). */
  async create(input: unknown): Promise<FeedRuleDefinition> {
    const rule = new FeedRule(input, this.#options.feeds.limits);
    if (this.#rules.has(rule.name)) {
      throw new PlayheadError('invalid_rule', `a rule named ${rule.name} exists: DELETE /v1/feeds/rules/${rule.name} first, or choose another name`);
    }
    await this.#log.record({ action: 'create', rule: rule.definition });
    return rule.definition;
  }

  async delete(name: string): Promise<void> {
    if (!this.#rules.has(name)) throw new PlayheadError('unknown_rule', `no feed rule named ${name}: see GET /v1/feeds/rules`);
    await this.#log.record({ action: 'delete', name });
    await this.#options.feeds.forgetRule(name);
  }

  has(name: string): boolean {
    return this.#rules.has(name);
  }

  list(): FeedRuleDefinition[] {
    return [...this.#rules.values()].map(({ rule }) => rule.definition).sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
  }

  /** Resolves when every rule has written what it was given (for tests and clean shutdowns). */
  async idle(): Promise<void> {
    await Promise.all([...this.#rules.values()].map(({ runner }) => runner?.idle()));
  }

  close(): void {
    this.#log.close();
    for (const known of [...this.#rules.values()]) this.#forget(known);
  }

  async #apply(record: RuleRecord): Promise<void> {
    if (record.action === 'delete') {
      const known = this.#rules.get(record.name);
      if (known !== undefined) this.#forget(known);
      return;
    }
    const name = record.rule.name as string;
    if (!this.#rules.has(name)) await this.#start(new FeedRule(record.rule, this.#options.feeds.limits));
  }

  /**
   * Makes the rule known here and asks for its lease; resolves after the
   * first attempt (with the history written, when won), or rejects when the
   * rule failed in it (the log reports that; later failures go to onRuleFailed).
   */
  async #start(rule: FeedRule): Promise<void> {
    const known: KnownRule = { rule, runner: undefined, release: undefined };
    this.#rules.set(rule.name, known);
    let starting = true;
    const fail = (error: unknown) => {
      if (known.failure !== undefined) return;
      known.failure = error;
      this.#forget(known);
      if (!starting) this.#options.onRuleFailed?.(rule.name, error);
    };
    const release = await this.#options.leases.request(feedRuleLease(rule.name), {
      gained: async () => {
        const { reader, bus, feeds } = this.#options;
        known.runner = new FeedRuleRunner({ rule, reader, bus, feeds, onError: fail });
        await known.runner.start().catch(fail);
      },
      lost: () => {
        known.runner?.stop();
        known.runner = undefined;
      },
    });
    starting = false;
    if (this.#rules.get(rule.name) === known) known.release = release;
    else release();
    if (known.failure !== undefined) throw known.failure;
  }

  #forget(known: KnownRule): void {
    if (this.#rules.get(known.rule.name) === known) this.#rules.delete(known.rule.name);
    known.runner?.stop();
    known.runner = undefined;
    known.release?.();
    known.release = undefined;
  }
}
