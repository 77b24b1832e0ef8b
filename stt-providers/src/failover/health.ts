import type { Clock, DialerError } from '@dialer/core';

/**
 * What the factory remembers about each provider across legs: one that just
 * failed is skipped when new legs start (they begin on the next one), for a
 * short while after a retryable failure and a long while after an auth error.
 */
export class ProviderHealth {
  private readonly downUntil = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly retryCooldownMs = 15_000,
    private readonly finalCooldownMs = 600_000,
  ) {}

  failed(name: string, err: DialerError): void {
    this.downUntil.set(name, this.clock.now() + (err.retryable ? this.retryCooldownMs : this.finalCooldownMs));
  }

  ok(name: string): void {
    this.downUntil.delete(name);
  }

  isDown(name: string): boolean {
    return (this.downUntil.get(name) ?? 0) > this.clock.now();
  }
}
