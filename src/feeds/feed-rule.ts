/**
 * A feed rule: which channel fills which feeds, and how an event becomes an
 * item (id, time and data by path) or a deletion (`deleteWhen`). Compiled
 * once; `toOperations` turns a batch of events into feed writes, in order.
 */
import { createHash } from 'node:crypto';
import { validateChannelName } from '../core/channel-name.js';
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';
import { parseTime } from '../core/time.js';
import type { FeedItemInput, FeedOperation } from '../store/feed-store.js';
import { compileEventPath, type EventPath } from './event-path.js';
import { FEED_ITEM_ID_MAX_CHARS } from './feed-item.js';
import { isFeedKey } from './feed-key.js';
import { compileKeyTemplate, type KeyTemplate } from './key-template.js';
import { compileRuleCondition, type RuleCondition } from './rule-condition.js';

/** A rule as sent to POST /v1/feeds/rules and stored. */
export interface FeedRuleDefinition {
  /** Default: the channel and a hash of the definition. */
  readonly name?: string;
  readonly channel: string;
  /** Key template, e.g. `user:{data.user}`. */
  readonly feed: string;
  /** Path of the item id. Default: the event's `id`, else its `seq`. */
  readonly id?: string;
  /** Path of the item time. @default "ts" */
  readonly time?: string;
  /** One path, or an object of output field -> path. Default: no data. */
  readonly data?: string | Readonly<Record<string, string>>;
  /** The bound of every feed the rule fills. Default: the server default. */
  readonly maxItems?: number;
  /** Events for which this holds delete the item instead of adding it. */
  readonly deleteWhen?: string;
}

const RULE_FIELDS = new Set(['name', 'channel', 'feed', 'id', 'time', 'data', 'maxItems', 'deleteWhen']);

export interface FeedRuleLimits {
  readonly maxMaxItems: number;
  readonly maxItemDataBytes: number;
}

export class FeedRule {
  readonly name: string;
  readonly channel: string;
  readonly definition: FeedRuleDefinition;
  readonly maxItems: number | undefined;
  readonly #keys: KeyTemplate;
  readonly #id: EventPath | undefined;
  readonly #time: EventPath;
  readonly #data: ((event: StoredEvent) => unknown) | undefined;
  readonly #deleteWhen: RuleCondition | undefined;
  readonly #maxItemDataBytes: number;

  /** Validates a definition; throws `invalid_rule` naming the field. */
  constructor(input: unknown, limits: FeedRuleLimits) {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new PlayheadError('invalid_rule', `a rule must be an object like {"channel": "wikipedia", "feed": "user:{data.user}"}, got ${describeValue(input)}`);
    }
    for (const field of Object.keys(input)) {
      if (!RULE_FIELDS.has(field)) throw new PlayheadError('invalid_rule', `unknown field ${JSON.stringify(field)}: a rule has ${[...RULE_FIELDS].join(', ')}`);
    }
    const definition = input as FeedRuleDefinition;
    try {
      this.channel = validateChannelName(definition.channel);
    } catch (error) {
      throw new PlayheadError('invalid_rule', `channel: ${(error as Error).message}`);
    }
    this.#keys = compileKeyTemplate(definition.feed);
    this.#id = definition.id === undefined ? undefined : compileEventPath(definition.id, 'id');
    this.#time = compileEventPath(definition.time ?? 'ts', 'time');
    this.#data = compileData(definition.data);
    this.#deleteWhen = definition.deleteWhen === undefined ? undefined : compileRuleCondition(definition.deleteWhen);
    if (definition.maxItems !== undefined
      && (!Number.isSafeInteger(definition.maxItems) || definition.maxItems < 1 || definition.maxItems > limits.maxMaxItems)) {
      throw new PlayheadError('invalid_rule', `maxItems must be an integer from 1 to ${limits.maxMaxItems}, got ${describeValue(definition.maxItems)}`);
    }
    this.maxItems = definition.maxItems;
    this.#maxItemDataBytes = limits.maxItemDataBytes;
    const name = definition.name ?? `${this.channel}.${createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 8)}`;
    if (!isFeedKey(name)) throw new PlayheadError('invalid_rule', `name must be 1-128 characters of A-Z a-z 0-9 . _ : -, got ${describeValue(name)}`);
    this.name = name;
    this.definition = Object.freeze({ ...definition, name });
  }

  /**
   * The feed writes for `events`, in event order per feed. An event whose
   * id, time or data cannot be read is skipped (counted in `skipped`).
   */
  toOperations(events: readonly StoredEvent[]): { readonly operations: FeedOperation[]; readonly skipped: number } {
    const perFeed = new Map<string, FeedOperation[]>();
    let skipped = 0;
    for (const event of events) {
      const keys = this.#keys(event);
      const item = this.#item(event);
      if (item === undefined || keys.length === 0) {
        skipped += 1;
        continue;
      }
      const remove = this.#deleteWhen?.(event) === true;
      for (const key of keys) {
        let operations = perFeed.get(key);
        if (operations === undefined) {
          perFeed.set(key, (operations = this.maxItems === undefined ? [] : [{ kind: 'configure', key, maxItems: this.maxItems }]));
        }
        const last = operations[operations.length - 1];
        if (remove) {
          if (last?.kind === 'delete') (last.ids as string[]).push(item.id);
          else operations.push({ kind: 'delete', key, ids: [item.id] });
        } else if (last?.kind === 'add') (last.items as FeedItemInput[]).push(item);
        else operations.push({ kind: 'add', key, items: [item] });
      }
    }
    return { operations: [...perFeed.values()].flat(), skipped };
  }

  #item(event: StoredEvent): FeedItemInput | undefined {
    const rawId = this.#id === undefined ? event.id ?? event.seq : this.#id(event);
    const id = typeof rawId === 'number' && Number.isFinite(rawId) ? String(rawId) : rawId;
    if (typeof id !== 'string' || id === '' || id.length > FEED_ITEM_ID_MAX_CHARS || id.includes('\u0000')) return undefined;
    const rawTime = this.#time(event);
    let time: number;
    if (typeof rawTime === 'number' && Number.isFinite(rawTime)) time = rawTime;
    else {
      try {
        time = parseTime(rawTime, { now: event.ts });
      } catch {
        return undefined;
      }
    }
    const data = this.#data?.(event);
    const dataJson = data === undefined || data === null ? null : JSON.stringify(data);
    if (dataJson !== null && Buffer.byteLength(dataJson) > this.#maxItemDataBytes) return undefined;
    return { id, time, dataJson };
  }
}

function compileData(data: unknown): ((event: StoredEvent) => unknown) | undefined {
  if (data === undefined) return undefined;
  if (typeof data === 'string') return compileEventPath(data, 'data');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new PlayheadError('invalid_rule', `data must be a path or an object of field -> path, got ${describeValue(data)}`);
  }
  const fields = Object.entries(data).map(([field, path]) => [field, compileEventPath(path, `data.${field}`)] as const);
  return (event) => {
    const out: Record<string, unknown> = {};
    for (const [field, path] of fields) {
      const value = path(event);
      // defineProperty: a field named __proto__ is data, never a prototype.
      if (value !== undefined) Object.defineProperty(out, field, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
}
