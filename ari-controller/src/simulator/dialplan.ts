import type { SimEngine } from './engine.js';
import { amdVerdict, isPartyKind, PartyRunner, type PartySpec } from './parties.js';
import { SimRtpEndpoint } from './rtp.js';
import type { SimChannel } from './state.js';

/** A REST outcome: the status and JSON body Asterisk would answer. */
export interface SimReply {
  readonly status: number;
  readonly body?: unknown;
}

/** A 4xx/5xx with Asterisk's `{ message }` body. */
export function fail(status: number, message: string): SimReply {
  return { status, body: { message } };
}

/** Resolves the party behind a dialled number (the number-to-behaviour map). */
export type PartyResolver = (number: string) => PartySpec | undefined;

/** Parameters of an originate, as the REST layer parsed them. */
export interface OriginateParams {
  endpoint: string;
  app?: string;
  appArgs?: string;
  extension?: string;
  context?: string;
  callerId?: string;
  timeout?: number;
  channelId?: string;
  otherChannelId?: string;
  variables?: Record<string, string>;
}

const KNOWN_FORMATS = new Set(['ulaw', 'alaw', 'slin', 'slin12', 'slin16', 'slin24', 'slin32', 'slin44', 'slin48', 'slin96', 'slin192', 'g722', 'g729', 'gsm', 'opus', 'ilbc', 'speex', 'speex16', 'g726']);

/**
 * Channel creation and dialplan behaviour: originates (Local pairs and PJSIP
 * trunk calls with simulated parties), ExternalMedia, snoop, inbound callers,
 * and the contexts a `continue` can go to (`dialer-amd`).
 */
export class SimDialplan {
  readonly parties: PartyRunner;

  constructor(
    private readonly e: SimEngine,
    private readonly resolve: PartyResolver,
    private readonly defaultParty: () => PartySpec,
  ) {
    this.parties = new PartyRunner(e);
  }

  private partyFor(exten: string): PartySpec {
    if (isPartyKind(exten)) return { kind: exten };
    return this.resolve(exten) ?? this.defaultParty();
  }

  originate(p: OriginateParams): SimReply {
    const e = this.e;
    if (!p.endpoint) return fail(400, 'Endpoint must be specified');
    if (!p.app && !p.extension) return fail(400, 'Application or extension must be specified');
    if (p.channelId && e.channels.has(p.channelId)) return fail(409, 'Channel with given unique ID already exists');
    const slash = p.endpoint.indexOf('/');
    const tech = slash > 0 ? p.endpoint.slice(0, slash) : '';
    const resource = p.endpoint.slice(slash + 1);
    if (tech !== 'Local' && tech !== 'PJSIP') return { status: 500, body: { error: 'Allocation failed' } };
    const args = p.appArgs ? p.appArgs.split(',') : [];
    const caller = p.callerId ? parseCallerId(p.callerId) : undefined;

    let ch1: SimChannel;
    let ch2: SimChannel | undefined;
    let spec: PartySpec;
    if (tech === 'Local') {
      const [exten = '', context = 'default'] = resource.split('@');
      spec = this.partyFor(exten);
      const suffix = e.nameSuffix();
      const dp = { context, exten, priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' };
      ch1 = e.createChannel('local1', p.channelId ?? e.newChannelId(), `Local/${resource}-${suffix};1`, { state: 'Down', dialplan: dp, caller });
      ch2 = e.createChannel('local2', p.otherChannelId ?? e.newChannelId(), `Local/${resource}-${suffix};2`, {
        state: 'Ring',
        dialplan: { context, exten, priority: 1, app_name: '', app_data: '' },
      });
      ch1.partner = ch2;
      ch2.partner = ch1;
      ch1.dialstring = resource;
    } else {
      // PJSIP/<endpoint> or PJSIP/<trunk>/<number>: the last part is the number the map resolves.
      const parts = resource.split('/');
      const number = (parts[parts.length - 1] ?? '').replace(/^sip:/, '').replace(/@.*$/, '');
      spec = parts[0]?.startsWith('agent') && parts.length === 1 ? { kind: 'agent' } : this.partyFor(number);
      ch1 = e.createChannel('pjsip-out', p.channelId ?? e.newChannelId(), `PJSIP/${parts[0]}-${e.nameSuffix()}`, {
        state: 'Down',
        dialplan: { context: 'default', exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' },
        caller,
        protocolId: `${e.newUuid()}@sim`,
      });
      ch1.dialstring = resource;
    }
    ch1.party = spec.kind;
    ch1.homeApp = p.app;
    ch1.appArgs = args;
    for (const [k, v] of Object.entries(p.variables ?? {})) ch1.vars.set(k, String(v));
    e.created(ch1);
    if (ch2) e.created(ch2);
    e.chan('ChannelDialplan', ch1, { dialplan_app: 'AppDial2', dialplan_app_data: '(Outgoing Line)' });
    if (p.app) {
      e.subscribe(ch1, p.app);
      if (ch2) e.subscribe(ch2, p.app);
    }
    const timeoutS = p.timeout ?? 30;
    if (timeoutS > 0) ch1.ringTimer = e.after(timeoutS * 1000, () => e.ringTimeout(ch1));
    const reply: SimReply = { status: 200, body: ch1.json() };
    // The 200 leaves before the party's first event, as in the traces.
    e.afterReal(1, () => {
      if (!ch1.destroyed) this.parties.start(spec, ch1, ch2);
    });
    return reply;
  }

  async externalMedia(p: {
    app?: string;
    external_host?: string;
    format?: string;
    encapsulation?: string;
    transport?: string;
    channelId?: string;
    variables?: Record<string, string>;
  }, chanRtpLoaded: boolean): Promise<SimReply> {
    const e = this.e;
    if (!p.app) return fail(400, 'app cannot be empty');
    const transport = p.transport ?? 'udp';
    const encapsulation = p.encapsulation ?? 'rtp';
    if (transport !== 'websocket' && (!p.external_host || !/^[^:]+:\d+$/.test(p.external_host))) {
      return fail(400, 'external_host must be <host>:<port> for all transports other than websocket');
    }
    if (!p.format) return fail(400, 'format cannot be empty');
    if (encapsulation === 'rtp' && transport !== 'udp') return fail(400, "transport must be 'udp' for rtp encapsulation");
    if (!KNOWN_FORMATS.has(p.format)) return fail(500, 'An internal error prevented this request from being handled');
    if (!chanRtpLoaded) return { status: 500, body: { error: 'Allocation failed' } };
    if (p.channelId && e.channels.has(p.channelId)) return fail(409, 'Channel with given unique ID already exists');
    const rtp = await SimRtpEndpoint.open(e.o.rtpHost, p.external_host!, p.format, e.o.rtpFaults);
    const ch = e.createChannel('externalMedia', p.channelId ?? e.newChannelId(), `UnicastRTP/${p.external_host}-${e.pointer()}`, {
      state: 'Down',
      dialplan: { context: 'default', exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' },
    });
    ch.rtp = rtp;
    ch.format = p.format;
    ch.externalHost = p.external_host;
    ch.dialstring = `${p.external_host}/c(${p.format})`;
    ch.homeApp = p.app;
    for (const [k, v] of Object.entries(p.variables ?? {})) ch.vars.set(k, String(v));
    e.created(ch);
    // What Asterisk believes its RTP address is; a NAT fault makes it differ from where packets come from.
    const nat = e.o.rtpFaults();
    e.setVar(ch, 'UNICASTRTP_LOCAL_ADDRESS', nat.reportedAddress ?? rtp.localHost);
    e.setVar(ch, 'UNICASTRTP_LOCAL_PORT', String(nat.reportedPort ?? rtp.localPort));
    e.chan('ChannelDialplan', ch, { dialplan_app: 'AppDial2', dialplan_app_data: '(Outgoing Line)' });
    e.subscribe(ch, p.app);
    const body = ch.json(true);
    // The channel enters Stasis a moment after the 200: an addChannel sent at once gets 422.
    e.afterReal(e.o.externalMediaStasisDelayMs, () => {
      if (ch.destroyed) return;
      e.dial(ch, '');
      e.setState(ch, 'Up');
      e.dial(ch, 'ANSWER');
      ch.answered = true;
      e.enterStasis(ch, p.app!, []);
    });
    return { status: 200, body };
  }

  snoop(target: SimChannel, p: { spy?: string; whisper?: string; app?: string; appArgs?: string; snoopId?: string }): SimReply {
    const e = this.e;
    if (!p.app) return fail(400, 'app cannot be empty');
    const spy = p.spy ?? 'none';
    const whisper = p.whisper ?? 'none';
    if (spy === 'none' && whisper === 'none') return fail(400, 'Sniff/Whisper direction cannot both be none');
    if (p.snoopId && e.channels.has(p.snoopId)) return fail(409, 'Channel with given unique ID already exists');
    const ch = e.createChannel('snoop', p.snoopId ?? e.newChannelId(), `Snoop/${target.id}-${e.nameSuffix()}`, {
      state: 'Up',
      dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
    });
    ch.snoopOf = { target: target.id, spy, whisper };
    ch.answered = true;
    target.snoops.add(ch.id);
    e.created(ch);
    const args = p.appArgs ? p.appArgs.split(',') : [];
    e.chan('ChannelDialplan', ch, { dialplan_app: 'Stasis', dialplan_app_data: [p.app, ...args].join(',') });
    // StasisStart arrives before the 200 (see snoop.jsonl).
    e.enterStasis(ch, p.app, args);
    return { status: 200, body: ch.json() };
  }

  /** A SIP caller dials a DID: context dialer-inbound, then Stasis(<app>,inbound,<did>). */
  inbound(o: { app: string; did: string; from: string; callerName?: string; endpoint?: string; talkMs?: number; stay?: boolean }): SimChannel {
    const e = this.e;
    const endpoint = o.endpoint ?? 'trunk';
    const ch = e.createChannel('pjsip-in', e.newChannelId(), `PJSIP/${endpoint}-${e.nameSuffix()}`, {
      state: 'Ring',
      dialplan: { context: 'dialer-inbound', exten: o.did, priority: 1, app_name: '', app_data: '' },
      caller: { name: o.callerName ?? '', number: o.from },
      protocolId: `${Math.floor(Math.random() * 100000)}-${Math.floor(Math.random() * 100000)}@127.0.0.1`,
    });
    ch.party = 'caller';
    e.created(ch);
    e.setVar(ch, 'SIPDOMAIN', '127.0.0.1');
    e.step(ch, 'NoOp', `Inbound ${o.did} from "${o.callerName ?? ''}" <${o.from}>`, { context: 'dialer-inbound', exten: o.did, priority: 1 });
    if (!e.hub.activeApps().has(o.app)) {
      // Stasis() with no registered application fails and the dialplan hangs up.
      e.step(ch, 'Stasis', `${o.app},inbound,${o.did}`);
      e.setVar(ch, 'STASISSTATUS', 'FAILED');
      e.step(ch, 'Hangup', '');
      e.hangupRequest(ch, { cause: 16, soft: true });
      e.destroy(ch, 16);
      return ch;
    }
    e.step(ch, 'Stasis', `${o.app},inbound,${o.did}`);
    ch.homeApp = o.app;
    e.enterStasis(ch, o.app, ['inbound', o.did]);
    this.parties.startCaller(ch, { talkMs: o.talkMs, stay: o.stay });
    return ch;
  }

  /** `POST /channels/{id}/continue`: leaves Stasis (StasisEnd at once) and runs the context. */
  continueIn(ch: SimChannel, context: string, exten: string, priority: number): SimReply {
    const e = this.e;
    if (!ch.inStasis) return fail(409, 'Channel not in Stasis application');
    const app = ch.stasisApp!;
    e.leaveStasis(ch);
    const ac = new AbortController();
    const signal = ac.signal;
    // A hangup aborts the party script; chain so the context stops too.
    const partyAbort = ch.script;
    partyAbort?.signal.addEventListener('abort', () => ac.abort(), { once: true });
    const run = async (): Promise<void> => {
      await e.sleep(1, signal);
      const where = (p: number): { context: string; exten: string; priority: number } => ({ context, exten, priority: p });
      if (context === 'dialer-amd' && (exten === 's' || exten === 'vmdrop')) {
        const v = amdVerdict(ch.party);
        e.step(ch, 'AMD', '', where(priority));
        await e.sleep(v.afterMs, signal);
        if (ch.destroyed) return;
        e.setVar(ch, 'AMDSTATUS', v.status);
        e.setVar(ch, 'AMDCAUSE', v.cause);
        const args = ['amd', v.status, v.cause];
        if (exten === 'vmdrop') {
          e.step(ch, 'GotoIf', `${v.status === 'MACHINE' ? 0 : 1}?done`, where(priority + 1));
          if (v.status === 'MACHINE') {
            e.step(ch, 'WaitForTone', '1000,300,20', where(priority + 2));
            // The beep closes the greeting (machine-greeting-beep), about 4 s after AMD decides.
            const greeting = e.o.prompts.get('machine-greeting-beep').durationMs;
            await e.sleep(Math.max(500, greeting + 500 - v.afterMs), signal);
            e.setVar(ch, 'WAITFORTONESTATUS', 'SUCCESS');
            e.step(ch, 'Set', 'DIALER_BEEP=tone', where(priority + 4));
            args.push('tone');
          } else args.push('');
        }
        e.step(ch, 'Stasis', [app, ...args].join(','), where(priority + (exten === 'vmdrop' ? 5 : 1)));
        e.enterStasis(ch, app, args);
        return;
      }
      // An unknown context: the dialplan runs off the end and hangs up.
      e.step(ch, 'Hangup', '', where(priority));
      e.hangupRequest(ch, { cause: 16, soft: true });
      e.endSnoops(ch);
      const p = ch.partner;
      e.destroy(ch, 16);
      if (p && !p.destroyed) {
        e.hangupRequest(p, { cause: 16, soft: true });
        e.destroy(p, 16);
      }
    };
    run().catch((err: unknown) => {
      if (!signal.aborted) e.log.error({ err }, 'simulated dialplan failed');
    });
    return { status: 204 };
  }
}

function parseCallerId(s: string): { name: string; number: string } {
  const m = /^\s*"?([^"<]*)"?\s*<([^>]*)>\s*$/.exec(s);
  if (m) return { name: m[1]!.trim(), number: m[2]!.trim() };
  return { name: '', number: s.trim() };
}
