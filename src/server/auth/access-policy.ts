/**
 * Who may do what (the `--tokens FILE` option): each token has scopes like
 * `read:wiki*`, `write:sensors.*` or `admin`. A pattern's `*` matches any
 * run of channel-name characters; `admin` allows everything.
 */
import { readFileSync } from 'node:fs';
import { PlayheadError } from '../../core/errors.js';

export type AccessAction = 'read' | 'write' | 'admin';
/** What a scope grants on a pattern of names (`admin` grants everything, on no pattern). */
export type ScopedAction = Exclude<AccessAction, 'admin'>;

const SCOPE_PATTERN = /^(?:admin|(read|write):[A-Za-z0-9._:*-]+)$/;

export class Grant {
  readonly #scopes: readonly { action: AccessAction; pattern: RegExp }[];

  constructor(scopes: readonly string[]) {
    this.#scopes = scopes.map((scope) => {
      if (scope === 'admin') return { action: 'admin', pattern: /^/ };
      const [action, glob] = scope.split(/:(.*)/s) as [AccessAction, string];
      return { action, pattern: globToRegExp(glob) };
    });
  }

  /** Whether this grant allows `action` on `channel` (or on some channel, when omitted). */
  allows(action: AccessAction, channel?: string): boolean {
    return this.#scopes.some((scope) =>
      scope.action === 'admin' || (scope.action === action && (channel === undefined || scope.pattern.test(channel))));
  }

  /**
   * Throws `forbidden` unless this grant allows `action` on `target`, with
   * the scope that would: `what` is what was refused ("read feed k").
   */
  require(action: ScopedAction, target: string, what = `${action} channel ${target}`): void {
    if (!this.allows(action, target)) throw new PlayheadError('forbidden', `the token may not ${what}: it needs scope ${action}:${target}`);
  }
}

/** Every request's grant when the server runs without `--tokens`: anyone may do anything. */
export const OPEN_ACCESS = new Grant(['admin']);

export class AccessPolicy {
  readonly #grants: ReadonlyMap<string, Grant>;

  constructor(tokens: Readonly<Record<string, readonly string[] | string>>) {
    const grants = new Map<string, Grant>();
    for (const [token, raw] of Object.entries(tokens)) {
      const scopes = typeof raw === 'string' ? raw.split(/\s+/).filter(Boolean) : raw;
      if (!Array.isArray(scopes)) throw new TypeError(`token ${mask(token)}: scopes must be a list like ["read:wiki*"] or a string "read:* write:x"`);
      for (const scope of scopes) {
        if (typeof scope !== 'string' || !SCOPE_PATTERN.test(scope)) {
          throw new TypeError(`token ${mask(token)}: scope ${JSON.stringify(scope)} is not "admin", "read:PATTERN" or "write:PATTERN"`);
        }
      }
      grants.set(token, new Grant(scopes));
    }
    this.#grants = grants;
  }

  /** Reads a JSON file mapping token -> scopes. */
  static fromFile(path: string): AccessPolicy {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`cannot read tokens file ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TypeError(`tokens file ${path} must hold an object like {"TOKEN": ["read:*"]}`);
    }
    return new AccessPolicy(parsed as Record<string, string[]>);
  }

  /** The grant of a token, or undefined when the token is unknown. */
  authenticate(token: string): Grant | undefined {
    return this.#grants.get(token);
  }
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '*' ? '.*' : `\\${c}`));
  return new RegExp(`^${escaped}$`, 's');
}

function mask(token: string): string {
  return `${token.slice(0, 4)}…`;
}
