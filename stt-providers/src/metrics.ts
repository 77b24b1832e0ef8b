/** Counter names the STT layer reports. */
export type SttCounter =
  | 'streams_opened'
  | 'provider_errors'
  | 'auth_errors'
  | 'stalls'
  | 'reconnects'
  | 'failovers'
  | 'exhausted'
  | 'audio_ms'
  | 'replayed_ms'
  | 'gap_ms';

/** Where counters go; the gateway may bridge this to Prometheus. */
export interface SttMetrics {
  inc(counter: SttCounter, labels: { provider: string; code?: string; next?: string }, by?: number): void;
}

/** In-memory counters with a snapshot, e.g. for a Prometheus collect callback or tests. */
export class SttCounters implements SttMetrics {
  private readonly values = new Map<string, { counter: SttCounter; labels: Record<string, string>; value: number }>();

  inc(counter: SttCounter, labels: { provider: string; code?: string; next?: string }, by = 1): void {
    const clean: Record<string, string> = { provider: labels.provider };
    if (labels.code) clean['code'] = labels.code;
    if (labels.next) clean['next'] = labels.next;
    const key = `${counter}|${clean['provider']}|${clean['code'] ?? ''}|${clean['next'] ?? ''}`;
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { counter, labels: clean, value: by });
  }

  /** Every counter with its labels and value. */
  snapshot(): Array<{ counter: SttCounter; labels: Record<string, string>; value: number }> {
    return [...this.values.values()].map((v) => ({ counter: v.counter, labels: { ...v.labels }, value: v.value }));
  }

  /** The sum of one counter, optionally for one provider. */
  get(counter: SttCounter, provider?: string): number {
    let n = 0;
    for (const v of this.values.values()) if (v.counter === counter && (provider === undefined || v.labels['provider'] === provider)) n += v.value;
    return n;
  }
}
