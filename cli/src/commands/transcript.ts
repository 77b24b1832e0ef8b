import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { usage } from '../exit.js';
import type { Io } from '../io.js';
import { act, intOption } from '../program.js';
import { RealtimeClient, type RealtimeMessage } from '../realtime.js';
import { agentId } from './agent.js';
import { campaignId } from './campaign.js';
import type { Call } from './call.js';
import type { Page } from './common.js';

/** One transcript segment as the REST API returns it. */
export interface Segment {
  id?: string;
  callId: string;
  speaker: string;
  segmentId: string;
  text: string;
  isFinal?: boolean;
  startMs: number;
  endMs: number;
  provider?: string;
  confidence?: number | null;
}

/** `[01:02.5]` from milliseconds into the call. */
export function offset(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  const m = Math.floor(s / 60);
  return `[${String(m).padStart(2, '0')}:${(s - m * 60).toFixed(1).padStart(4, '0')}]`;
}

function line(seg: { callId: string; speaker: string; text: string; startMs: number }, withCall: boolean, interim: boolean): string {
  return `${offset(seg.startMs)} ${withCall ? `${seg.callId.slice(0, 8)} ` : ''}${seg.speaker.padEnd(8)} ${interim ? '~ ' : ''}${seg.text}\n`;
}

/** Time after a call ends during which late final segments are still awaited. */
const LATE_FINALS_MS = 2000;

/** `dialerctl transcript show|tail`. */
export function transcriptCommands(program: Command, io: Io): void {
  const t = program.command('transcript').description('call transcripts: show a call\'s, or follow them live');

  t.command('show <call>')
    .description('the transcript of a call, both speakers, in time order')
    .option('--interim', 'include interim (partial) results')
    .action(
      act(io, async (ctx, callId: string, o: { interim?: boolean }) => {
        const r = await (await ctx.api()).get<{ callId: string; segments: Segment[] }>(`/api/v1/calls/${encodeURIComponent(callId)}/transcript`, { query: { interim: o.interim ? true : undefined } });
        ctx.print(r, () => (r.segments.length === 0 ? '(no transcript)\n' : r.segments.map((s) => line(s, false, s.isFinal === false)).join('')));
      }),
    );

  t.command('tail')
    .description('follow transcripts live over the WebSocket: one call (ends with the call), a campaign\'s calls, or an agent\'s')
    .option('--call <id>', 'one call')
    .option('--campaign <campaign>', 'every call of a campaign (id or name)')
    .option('--agent <agent>', 'every call of an agent (id, extension or e-mail)')
    .option('--interim', 'print interim (partial) results too, marked ~')
    .option('--no-history', 'with --call: skip what was said before now')
    .option('--events', 'also print call events (answered, connected, ended)')
    .option('--max-ms <ms>', 'stop after this long', intOption('--max-ms', 1, 86_400_000))
    .addHelpText('after', '\nWith --json, every message is printed as one JSON line (JSON Lines).')
    .action(act(io, (ctx, o: TailOptions) => tail(ctx, o)));
}

interface TailOptions {
  call?: string;
  campaign?: string;
  agent?: string;
  interim?: boolean;
  history: boolean;
  events?: boolean;
  maxMs?: number;
}

async function tail(ctx: Ctx, o: TailOptions): Promise<void> {
  const chosen = [o.call, o.campaign, o.agent].filter((x) => x !== undefined);
  if (chosen.length !== 1) throw usage('give exactly one of --call, --campaign, --agent');
  const api = await ctx.api();
  const out = ctx.io.out;
  const stop = new AbortController();
  const signals = [ctx.io.signal, stop.signal, ...(o.maxMs ? [AbortSignal.timeout(o.maxMs)] : [])];
  const signal = AbortSignal.any(signals);
  const printed = new Set<string>();
  const followed = new Set<string>();
  const multi = o.call === undefined;

  const emit = (msg: RealtimeMessage): void => {
    const d = msg.data;
    const isTranscript = msg.type === 'transcript.final' || msg.type === 'transcript.interim';
    if (isTranscript) {
      const final = msg.type === 'transcript.final';
      if (!final && !o.interim) return;
      const key = `${String(d['callId'])}/${String(d['segmentId'])}`;
      if (final) {
        if (printed.has(key)) return;
        printed.add(key);
      }
      if (ctx.json) out.write(`${JSON.stringify(msg)}\n`);
      else out.write(line({ callId: String(d['callId']), speaker: String(d['speaker']), text: String(d['text']), startMs: Number(d['startMs'] ?? 0) }, multi, !final));
      return;
    }
    if (!o.events || !msg.type.startsWith('call.')) return;
    if (ctx.json) out.write(`${JSON.stringify(msg)}\n`);
    else out.write(`--- ${String(d['callId'] ?? '').slice(0, 8)} ${msg.type}${d['outcome'] ? ` (${String(d['outcome'])})` : ''}\n`);
  };

  let client: RealtimeClient;
  const follow = (callId: string): void => {
    if (followed.has(callId)) return;
    followed.add(callId);
    client.subscribe([`call:${callId}`]);
  };
  const ended = (callId: string): void => {
    if (o.call !== undefined) {
      if (callId === o.call) setTimeout(() => stop.abort(), LATE_FINALS_MS).unref();
      return;
    }
    if (o.campaign !== undefined) {
      setTimeout(() => {
        followed.delete(callId);
        client.unsubscribe([`call:${callId}`]);
      }, LATE_FINALS_MS).unref();
    }
  };

  client = new RealtimeClient(api, {
    onMessage: (msg) => {
      const callId = typeof msg.data['callId'] === 'string' ? (msg.data['callId'] as string) : undefined;
      // Campaign topics carry call events, not speech: follow each call the campaign starts.
      if (o.campaign !== undefined && callId && msg.type.startsWith('call.') && msg.type !== 'call.ended') follow(callId);
      emit(msg);
      if (callId && msg.type === 'call.ended') ended(callId);
    },
    onResync: (reason) => ctx.note(`dialerctl: some messages may be missing (${reason})`),
    onNote: (l) => ctx.note(`dialerctl: ${l}`),
  });

  if (o.call !== undefined) {
    client.subscribe([`call:${o.call}`]);
    const call = await api.get<Call>(`/api/v1/calls/${encodeURIComponent(o.call)}`);
    if (o.history) {
      const r = await api.get<{ segments: Segment[] }>(`/api/v1/calls/${encodeURIComponent(o.call)}/transcript`);
      for (const s of r.segments) {
        if (s.isFinal === false) continue;
        printed.add(`${s.callId}/${s.segmentId}`);
        if (ctx.json) ctx.io.out.write(`${JSON.stringify({ type: 'transcript.final', data: s })}\n`);
        else out.write(line(s, false, false));
      }
    }
    if (call.endAt !== null && call.state === 'ended') {
      // Nothing more will be said; finals still in flight arrive within the grace time.
      setTimeout(() => stop.abort(), LATE_FINALS_MS).unref();
    }
  } else if (o.agent !== undefined) {
    client.subscribe([`agent:${await agentId(api, o.agent)}`]);
  } else {
    const id = await campaignId(api, o.campaign!);
    client.subscribe([`campaign:${id}`]);
    const live = await api.get<Page<Call>>('/api/v1/calls', { query: { state: 'live', campaignId: id, limit: 500 } });
    for (const c of live.items) follow(c.id);
  }
  if (!ctx.json) ctx.note(`dialerctl: following ${o.call ? `call ${o.call}` : o.agent ? `agent ${o.agent}` : `campaign ${o.campaign}`} (Ctrl-C to stop)`);
  await client.run(signal);
}
