import { ApiError, NETWORK_ERROR } from './api-client.js';

export type ToastKind = 'error' | 'warning' | 'info' | 'success';

/** One notice on screen. */
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
  /** Same key: the newer notice replaces the older instead of piling up. */
  key?: string | undefined;
  /** When it goes away by itself (errors stay until dismissed or resolved). */
  expiresAt?: number | undefined;
  count: number;
}

/**
 * The notices list. Errors stay until the user dismisses them or the app
 * resolves them by key (the network came back); the rest fade after a while.
 * Repeats of the same key are folded into one notice with a count.
 */
export class ToastStore {
  private items: Toast[] = [];
  private nextId = 1;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly ttlMs = 6000,
    private readonly max = 5,
  ) {}

  get list(): readonly Toast[] {
    return this.items;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn();
  }

  push(kind: ToastKind, text: string, key?: string): number {
    const expiresAt = kind === 'error' ? undefined : this.now() + this.ttlMs;
    const existing = key ? this.items.find((t) => t.key === key) : undefined;
    if (existing) {
      const updated: Toast = { ...existing, kind, text, expiresAt, count: existing.count + (existing.text === text ? 1 : 0) };
      this.items = this.items.map((t) => (t === existing ? updated : t));
      this.changed();
      return existing.id;
    }
    const t: Toast = { id: this.nextId++, kind, text, key, expiresAt, count: 1 };
    this.items = [...this.items, t].slice(-this.max);
    this.changed();
    return t.id;
  }

  dismiss(id: number): void {
    const before = this.items.length;
    this.items = this.items.filter((t) => t.id !== id);
    if (this.items.length !== before) this.changed();
  }

  /** Removes the notice with this key (the problem went away). */
  resolve(key: string): void {
    const before = this.items.length;
    this.items = this.items.filter((t) => t.key !== key);
    if (this.items.length !== before) this.changed();
  }

  /** Drops expired notices; call once a second. */
  tick(): void {
    const now = this.now();
    const before = this.items.length;
    this.items = this.items.filter((t) => t.expiresAt === undefined || t.expiresAt > now);
    if (this.items.length !== before) this.changed();
  }
}

const FRIENDLY: Record<string, string> = {
  DIALER_ERR_DNC: 'Dial refused: the number is on a do-not-call list.',
  DIALER_ERR_CALL_WINDOW: "Dial refused: it is outside the calling window in the lead's time zone.",
  DIALER_ERR_ATTEMPT_LIMIT: 'Dial refused: the attempt limit for this lead is reached.',
  DIALER_ERR_PHONE_INVALID: 'That phone number is not valid.',
  DIALER_ERR_NO_AGENT: 'No agent is available.',
  DIALER_ERR_AGENT_STATE: 'Not possible in your current state.',
  DIALER_ERR_CALL_STATE: 'Not possible in the current state of the call.',
  DIALER_ERR_CAMPAIGN_STATE: 'Not possible in the current state of the campaign.',
  DIALER_ERR_FORBIDDEN: 'You are not allowed to do that.',
  DIALER_ERR_UNAUTHORIZED: 'Your session has ended; log in again.',
  DIALER_ERR_TOKEN_EXPIRED: 'Your session has ended; log in again.',
  DIALER_ERR_ACCOUNT_LOCKED: 'The account is locked after repeated failures. Try again later or ask an administrator.',
  DIALER_ERR_RATE_LIMITED: 'Too many attempts; wait a moment and try again.',
  DIALER_ERR_MEDIA_NO_GATEWAY: 'No media gateway is available for audio. Try again in a moment.',
  DIALER_ERR_ARI_UNREACHABLE: 'The phone system cannot be reached right now.',
  DIALER_ERR_BUS_TIMEOUT: 'The phone system did not answer in time. Try again.',
  DIALER_ERR_UNAVAILABLE: 'The service is unavailable; try again in a moment.',
  DIALER_ERR_DRAINING: 'The server is restarting; try again in a moment.',
  DIALER_ERR_PAYLOAD_TOO_LARGE: 'The file is too large.',
  [NETWORK_ERROR]: 'Network connection lost: the server cannot be reached.',
};

/**
 * A message for a person, for anything thrown: API errors by code, browser
 * media errors by name. `action` leads the message ("Dial refused: ...")
 * unless the message already starts with it and a colon.
 */
export function describeError(err: unknown, action?: string): string {
  const lead = (text: string) => (action && !text.toLowerCase().startsWith(`${action.toLowerCase()}:`) ? `${action}: ${text}` : text);
  if (err instanceof ApiError) {
    const friendly = FRIENDLY[err.code];
    if (friendly) return lead(friendly);
    return lead(err.message || err.code);
  }
  const name = (err as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return lead('The microphone is blocked. Allow microphone access for this site in the browser, then try again.');
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return lead('No microphone was found. Plug one in and try again.');
  if (name === 'NotReadableError') return lead('The microphone is in use by another program.');
  const msg = (err as { message?: string } | null)?.message;
  return lead(msg && msg.length < 200 ? msg : 'Something went wrong.');
}
