// Which recordings are running: one stereo WAV per call (customer left,
// agent right) or one mono WAV per leg. Reports the lifecycle as
// recording.started/paused/resumed/saved/failed and keeps the recordings
// table up to date.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createMessage, DialerError, newId, type Clock, type MediaEventSink, type MessageData, type Store } from '@dialer/core';
import type { RtpLeg } from '../leg.js';
import { Recorder } from './recorder.js';

/** Options of a {@link RecordingManager}. */
export interface RecordingManagerOptions {
  dir: string;
  layout: 'stereo' | 'mono';
  sampleRate: number;
  sink: MediaEventSink;
  store: Store | undefined;
  log: Logger;
  clock: Clock;
  source: string;
}

interface Active {
  readonly recordingId: string;
  readonly callId: string;
  readonly tenantId: string;
  readonly recorder: Recorder;
  readonly legs: Set<RtpLeg>;
  readonly startedAt: number;
  paused: boolean;
  failed: boolean;
  /** The row insert, which updates wait for. */
  row: Promise<void> | undefined;
}

type RecType = 'recording.started' | 'recording.paused' | 'recording.resumed' | 'recording.saved' | 'recording.failed';

/** The gateway's running recordings. */
export class RecordingManager {
  private readonly byKey = new Map<string, Active>();
  private readonly finishing = new Set<Promise<void>>();
  private dirReady: Promise<void> | undefined;

  constructor(private readonly o: RecordingManagerOptions) {}

  /** Recordings being written. */
  get active(): number {
    return this.byKey.size;
  }

  /** Starts recording `leg` (joining its call's recording in stereo). */
  start(leg: RtpLeg, paused: boolean): void {
    const spec = leg.spec;
    const stereo = this.o.layout === 'stereo';
    if (stereo && spec.speaker === 'supervisor') return;
    const key = stereo ? `call:${spec.callId}` : `leg:${spec.legId}`;
    let rec = this.byKey.get(key);
    if (!rec) {
      const recordingId = newId(this.o.clock.now());
      const file = stereo ? `${spec.callId}-${recordingId}.wav` : `${spec.callId}-${spec.legId}-${recordingId}.wav`;
      const path = resolve(this.o.dir, safeName(file));
      this.dirReady ??= mkdir(this.o.dir, { recursive: true }).then(() => undefined);
      const recorder = Recorder.create({ path, channels: stereo ? 2 : 1, sampleRate: this.o.sampleRate });
      rec = { recordingId, callId: spec.callId, tenantId: spec.tenantId, recorder, legs: new Set(), startedAt: this.o.clock.now(), paused, failed: false, row: undefined };
      recorder.paused = paused;
      this.byKey.set(key, rec);
      const r = rec;
      void this.dirReady
        .then(() => recorder.ready())
        .then(
          () => {
            this.emit('recording.started', r, {});
            r.row = this.insertRow(r, path, stereo ? 2 : 1);
          },
          (err: unknown) => this.fail(key, r, err),
        );
    }
    if (rec.legs.has(leg)) return;
    rec.legs.add(leg);
    const channel = stereo ? (spec.speaker === 'customer' ? 0 : 1) : 0;
    const recorder = rec.recorder;
    leg.setRecordTap({ write: (pcm, n) => recorder.write(channel, pcm, n) }, channel);
  }

  /** Stops recording `leg`; the recording is saved when its last leg leaves. */
  stop(leg: RtpLeg): void {
    for (const [key, rec] of this.byKey) {
      if (!rec.legs.delete(leg)) continue;
      leg.setRecordTap(undefined);
      if (rec.legs.size === 0) this.finish(key, rec);
    }
  }

  /** Pauses or resumes the recording `leg` is part of (PCI: silence is written meanwhile). */
  setPaused(leg: RtpLeg, paused: boolean): boolean {
    for (const rec of this.byKey.values()) {
      if (!rec.legs.has(leg) || rec.paused === paused) continue;
      rec.paused = paused;
      rec.recorder.paused = paused;
      this.emit(paused ? 'recording.paused' : 'recording.resumed', rec, {});
      return true;
    }
    return false;
  }

  /** Whether `leg` is being recorded. */
  isRecording(leg: RtpLeg): boolean {
    for (const rec of this.byKey.values()) if (rec.legs.has(leg)) return true;
    return false;
  }

  /** Saves every recording (shutdown). */
  async closeAll(): Promise<void> {
    for (const [key, rec] of this.byKey) {
      for (const leg of rec.legs) leg.setRecordTap(undefined);
      rec.legs.clear();
      this.finish(key, rec);
    }
    await Promise.allSettled([...this.finishing]);
  }

  private finish(key: string, rec: Active): void {
    this.byKey.delete(key);
    const p = (async () => {
      try {
        const result = await rec.recorder.close();
        if (rec.failed) return;
        this.emit('recording.saved', rec, { path: result.path, durationMs: result.durationMs, sizeBytes: result.sizeBytes });
        await this.updateRow(rec, { status: 'saved', duration_ms: result.durationMs, size_bytes: result.sizeBytes });
      } catch (err) {
        this.fail(key, rec, err);
      }
    })();
    this.finishing.add(p);
    void p.finally(() => this.finishing.delete(p));
  }

  private fail(key: string, rec: Active, err: unknown): void {
    if (rec.failed) return;
    rec.failed = true;
    this.o.log.error({ err, recordingId: rec.recordingId, callId: rec.callId }, 'recording failed');
    const e = new DialerError('DIALER_ERR_RECORDING', (err as Error)?.message ?? 'recording failed');
    this.emit('recording.failed', rec, { error: e.toJSON() });
    void this.updateRow(rec, { status: 'failed' });
    if (this.byKey.get(key) === rec) {
      this.byKey.delete(key);
      for (const leg of rec.legs) leg.setRecordTap(undefined);
      void rec.recorder.close().catch(() => undefined);
    }
  }

  private emit(type: RecType, rec: Active, extra: Partial<MessageData<'recording.saved'>>): void {
    const data: MessageData<'recording.saved'> = {
      recordingId: rec.recordingId,
      callId: rec.callId,
      path: rec.recorder.path,
      format: 'wav',
      channels: rec.recorder.channels,
      ...extra,
    };
    this.o.sink.emit(createMessage(type, rec.tenantId, data, { clock: this.o.clock, source: this.o.source }));
  }

  private async insertRow(rec: Active, path: string, channels: number): Promise<void> {
    const store = this.o.store;
    if (!store) return;
    const now = this.o.clock.now();
    try {
      await store
        .tenant(rec.tenantId)
        .insertInto('recordings', { id: rec.recordingId, call_id: rec.callId, path, format: 'wav', channels, status: 'recording', started_at: rec.startedAt, created_at: now, updated_at: now })
        .execute();
    } catch (err) {
      this.o.log.warn({ err, recordingId: rec.recordingId }, 'recording row not stored');
    }
  }

  private async updateRow(rec: Active, values: { status: string; duration_ms?: number; size_bytes?: number }): Promise<void> {
    const store = this.o.store;
    if (!store) return;
    await rec.row;
    const now = this.o.clock.now();
    try {
      await store.tenant(rec.tenantId).updateTable('recordings').set({ ...values, ended_at: now, updated_at: now }).where('id', '=', rec.recordingId).execute();
    } catch (err) {
      this.o.log.warn({ err, recordingId: rec.recordingId }, 'recording row not updated');
    }
  }
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
