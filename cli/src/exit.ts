/**
 * Exit codes of dialerctl. Scripts branch on them, so they are stable:
 * never renumber one.
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Unexpected failure: a bug, a 5xx from the API, a local I/O error. */
  error: 1,
  /** Bad command line, or input the API rejected as invalid (400, 413). */
  usage: 2,
  /** The API is reachable but not ready, or busy (503, 429): retry later. */
  notReady: 3,
  /** The API cannot be reached (connection refused, DNS, timeout). */
  unreachable: 4,
  /** Not logged in, or the credentials were refused (401, 423). */
  auth: 5,
  /** Logged in, but not allowed (403). */
  forbidden: 6,
  /** No such campaign, lead, call, ... (404). */
  notFound: 7,
  /** Conflict or wrong state: a duplicate, a campaign already running (409). */
  conflict: 8,
  /** A check found a problem: `doctor` with a failing check, `dnc check` on a listed number. */
  checkFailed: 9,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP status from the API. */
export function exitForStatus(status: number): ExitCode {
  if (status === 400 || status === 413 || status === 422) return EXIT.usage;
  if (status === 401 || status === 423) return EXIT.auth;
  if (status === 403) return EXIT.forbidden;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 429 || status === 503 || status === 504) return EXIT.notReady;
  return EXIT.error;
}

/** An error dialerctl reports as one clear line on stderr and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The API's error code, when the API answered with one. */
    readonly code?: string,
    /** The API's `details` (field errors, import rejects), printed under the message. */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error (exit 2). */
export function usage(message: string): CliError {
  return new CliError(message, EXIT.usage);
}
