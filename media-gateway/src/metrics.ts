// Prometheus metrics of one gateway. The packet path only bumps plain
// numbers; prom-client reads them when scraped (collect callbacks), so a
// packet costs no label lookups. Histograms are observed per chunk or per
// stats interval, not per packet.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, register as defaultRegistry } from 'prom-client';
import { RTP_PARSE_REASONS } from '@dialer/core';

/** Why a datagram or packet was dropped, for `media_rtp_dropped_total{reason}`. */
export const DROP_REASONS = [...RTP_PARSE_REASONS.slice(1), 'unknown_source', 'payload_type', 'ssrc', 'duplicate', 'late'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Plain counters the hot path increments. */
export class GatewayCounters {
  packets = 0;
  bytes = 0;
  outPackets = 0;
  readonly dropped: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  /** Totals of closed legs (live legs are added at scrape time). */
  lostClosed = 0;
  concealedMsClosed = 0;
  sttDroppedMs = 0;
  sttChunks = 0;
}

/** Live values read at scrape time. */
export interface GaugeSource {
  legs(): { rtp: number; webrtc: number };
  liveLost(): number;
  liveConcealedMs(): number;
  sttBacklogBytes(): number;
  recordings(): number;
  earlySources(): number;
  /** Brings derived drop counts up to date before a scrape. */
  syncDrops(): void;
}

/** The gateway's metrics. */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly addedLatency: Histogram;
  readonly jitter: Histogram;
  readonly legsOpened: Counter<'kind'>;
  readonly legsClosed: Counter<'reason'>;
  readonly recordingsTotal: Counter<'outcome'>;

  /**
   * `shared`: also register on prom-client's default registry (the one-process
   * start, where the API serves /metrics). Otherwise the gateway keeps its own
   * registry with process metrics, served on its own port.
   */
  constructor(counters: GatewayCounters, source: GaugeSource, options: { gatewayId: string; shared?: boolean }) {
    this.registry = new Registry();
    const registers = options.shared ? [this.registry, defaultRegistry] : [this.registry];
    if (!options.shared) {
      this.registry.setDefaultLabels({ gateway: options.gatewayId });
      collectDefaultMetrics({ register: this.registry });
    }
    this.addedLatency = new Histogram({
      name: 'media_added_latency_seconds',
      help: 'From the last packet of a chunk arriving to the chunk being handed to the speech-to-text provider.',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    });
    this.jitter = new Histogram({
      name: 'media_rtp_jitter_ms',
      help: 'RFC 3550 interarrival jitter of legs, observed each stats interval and at close.',
      buckets: [1, 2, 5, 10, 20, 40, 80, 160],
      registers,
    });
    this.legsOpened = new Counter({ name: 'media_legs_opened_total', help: 'Legs opened.', labelNames: ['kind'], registers });
    this.legsClosed = new Counter({ name: 'media_legs_closed_total', help: 'Legs closed, by reason.', labelNames: ['reason'], registers });
    this.recordingsTotal = new Counter({ name: 'media_recordings_total', help: 'Recordings finished, by outcome.', labelNames: ['outcome'], registers });
    new Gauge({
      name: 'media_legs',
      help: 'Open legs.',
      labelNames: ['kind'],
      registers,
      collect() {
        const l = source.legs();
        this.set({ kind: 'rtp' }, l.rtp);
        this.set({ kind: 'webrtc' }, l.webrtc);
      },
    });
    const counter = (name: string, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    counter('media_rtp_packets_total', 'RTP packets accepted by legs.', () => counters.packets);
    counter('media_rtp_bytes_total', 'Bytes of RTP accepted by legs.', () => counters.bytes);
    counter('media_rtp_sent_packets_total', 'RTP packets sent to Asterisk.', () => counters.outPackets);
    counter('media_rtp_lost_packets_total', 'RTP packets expected but never received (RFC 3550).', () => counters.lostClosed + source.liveLost());
    counter('media_rtp_concealed_seconds_total', 'Audio filled in for gaps.', () => (counters.concealedMsClosed + source.liveConcealedMs()) / 1000);
    counter('media_stt_dropped_seconds_total', 'Audio not sent to speech-to-text because the provider was backlogged.', () => counters.sttDroppedMs / 1000);
    counter('media_stt_chunks_total', 'Chunks handed to speech-to-text streams.', () => counters.sttChunks);
    new Counter({
      name: 'media_rtp_dropped_total',
      help: 'Datagrams and packets dropped, by reason (unknown source, malformed, wrong payload type or SSRC, duplicate, late).',
      labelNames: ['reason'],
      registers,
      collect() {
        source.syncDrops();
        this.reset();
        for (const r of DROP_REASONS) this.inc({ reason: r }, counters.dropped[r]);
      },
    });
    new Gauge({ name: 'media_stt_backlog_bytes', help: 'Audio accepted by speech-to-text streams but not yet sent to providers.', registers, collect() { this.set(source.sttBacklogBytes()); } });
    new Gauge({ name: 'media_recordings_active', help: 'Recordings being written.', registers, collect() { this.set(source.recordings()); } });
    new Gauge({ name: 'media_rtp_early_sources', help: 'Unknown sources whose packets are held for a leg awaiting its source address.', registers, collect() { this.set(source.earlySources()); } });
  }

  /** Removes this gateway's metrics from the shared registry, if it used it. */
  close(): void {
    for (const m of this.registry.getMetricsAsArray()) {
      const name = (m as unknown as { name: string }).name;
      if ((defaultRegistry.getSingleMetric(name) as unknown) === (m as unknown)) defaultRegistry.removeSingleMetric(name);
    }
    this.registry.clear();
  }
}
