/**
 * The server's feed rules: definitions kept durably in the event log (the
 * reserved `playhead.feed-rules` channel, replayed at start, as views keep
 * theirs), each rule run from its stored checkpoint so a restart catches up
 * without adding anything twice.
 */
import type { Clock } from '../core/clock.js';
import { PlayheadError } from '../core/errors.js';
import { normalizeEvent } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
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
  /** Told when a rule stops (its channel or the feed store failed); the rule is removed until the next start. */
  readonly onRuleFailed?: (name: string, error: unknown) => void;
}

interface RunningRule {
  readonly rule: FeedRule;
  readonly runner: FeedRuleRunner;
}

export class FeedRuleRegistry {
  readonly #options: FeedRuleRegistryOptions;
  readonly #rules = new Map<string, RunningRule>();

  constructor(options: FeedRuleRegistryOptions) {
    this.#options = options;
  }

  /** Restarts every stored rule from its checkpoint; a rule that fails is skipped and reported. */
  async load(): Promise<{ readonly name: string; readonly error: unknown }[]> {
    const latest = new Map<string, RuleRecord>();
    for await (const page of this.#options.reader.scan({ channel: FEED_RULES_CHANNEL, order: 'asc' })) {
      for (const event of page) {
        const record = event.data as RuleRecord;
        latest.set(record.action === 'create' ? (record.rule.name as string) : record.name, record);
      }
    }
    const failures: { name: string; error: unknown }[] = [];
    for (const [name, record] of latest) {
      if (record.action !== 'create') continue;
      try {
        await this.#start(new FeedRule(record.rule, this.#options.feeds.limits));
      } catch (error) {
        this.#rules.get(name)?.runner.stop();
        this.#rules.delete(name);
        failures.push({ name, error });
      }
    }
    return failures;
  }

  /** Validates, stores and starts a rule; resolves once its channel's history is in the feeds. */
  async create(input: unknown): Promise<FeedRuleDefinition> {
    const rule = new FeedRule(input, this.#options.feeds.limits);
    if (this.#rules.has(rule.name)) {
      throw new PlayheadError('invalid_rule', `a rule named ${rule.name} exists: DELETE /v1/feeds/rules/${rule.name} first, or choose another name`);
    }
    await this.#record({ action: 'create', rule: rule.definition });
    await this.#start(rule);
    return rule.definition;
  }

  async delete(name: string): Promise<void> {
    const running = this.#rules.get(name);
    if (running === undefined) throw new PlayheadError('unknown_rule', `no feed rule named ${name}: see GET /v1/feeds/rules`);
    await this.#record({ action: 'delete', name });
    running.runner.stop();
    this.#rules.delete(name);
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
    await Promise.all([...this.#rules.values()].map(({ runner }) => runner.idle()));
  }

  close(): void {
    for (const { runner } of this.#rules.values()) runner.stop();
    this.#rules.clear();
  }

  async #start(rule: FeedRule): Promise<void> {
    const { reader, bus, feeds } = this.#options;
    const runner = new FeedRuleRunner({
      rule, reader, bus, feeds,
      onError: (error) => {
        this.#rules.delete(rule.name);
        this.#options.onRuleFailed?.(rule.name, error);
      },
    });
    this.#rules.set(rule.name, { rule, runner });
    await runner.start();
  }

  async #record(record: RuleRecord): Promise<void> {
    const event = normalizeEvent({ data: record }, { now: this.#options.clock.now(), maxEventBytes: MAX_DEFINITION_BYTES });
    await this.#options.writer.append(FEED_RULES_CHANNEL, [event]);
  }
}
