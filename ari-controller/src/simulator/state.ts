import type { Bridge, Channel } from '../ari/generated/models.js';
import type { SimRtpEndpoint } from './rtp.js';

/** How a channel came to be, which decides its events and its subscription (see the traces' README). */
export type SimChannelKind =
  /** The `;1` half of an originated Local channel: the one that enters Stasis. */
  | 'local1'
  /** The `;2` half: runs the simulated party's dialplan. */
  | 'local2'
  /** A PJSIP channel we originated (trunk call or agent phone). */
  | 'pjsip-out'
  /** A PJSIP caller that entered Stasis from the dialplan. */
  | 'pjsip-in'
  | 'snoop'
  | 'externalMedia';

/** What plays on a channel right now, for the audio mixer. */
export interface AudioCursor {
  readonly audio: Buffer;
  readonly startedAt: number;
  readonly loop?: boolean;
}

/** One simulated channel. */
export class SimChannel {
  state: Channel['state'];
  dialplan: Channel['dialplan'];
  readonly vars = new Map<string, string>();
  /** Apps whose subscription covers this channel. */
  readonly subscribers = new Set<string>();
  /** The Stasis app the channel is in right now. */
  stasisApp: string | undefined;
  /** Times it entered Stasis: each ends with a STASISSTATUS=SUCCESS varset. */
  stasisEntries = 0;
  /** The app it was originated into (the dialplan's Stasis() returns there). */
  homeApp: string | undefined;
  bridgeId: string | undefined;
  partner: SimChannel | undefined;
  destroyed = false;
  hangupRequested = false;
  answered = false;
  /** Aborts the running dialplan (party script) on hangup or continue. */
  script: AbortController | undefined;
  /** What the far end (party) says: the audio this channel brings into Asterisk. */
  speech: AudioCursor | undefined;
  /** Playbacks queued or playing on this channel (what the channel hears). */
  readonly playbacks: string[] = [];
  /** Dialplan Playback() running on a Local ;2 (its PLAYBACKSTATUS varset fires on hangup). */
  inPlayback = false;
  snoopOf: { target: string; spy: string; whisper: string } | undefined;
  readonly snoops = new Set<string>();
  rtp: SimRtpEndpoint | undefined;
  externalHost: string | undefined;
  /** Local channel timeout timer (originate `timeout`). */
  ringTimer: NodeJS.Timeout | undefined;
  /** The simulated party behind an originated channel (`human`, `busy`, ...). */
  party: string | undefined;
  /** The Dial events' `dialstring` (`human@sim-leads`, `127.0.0.1:47100/c(ulaw)`). */
  dialstring: string | undefined;
  /** Stasis arguments of the originate (`appArgs`, split on commas). */
  appArgs: string[] = [];
  /** Echo party: says back what it hears. */
  echo = false;
  /** ExternalMedia format. */
  format: string | undefined;
  /** Operations (playback, record) run one at a time: resolves when the channel is free. */
  busyUntil: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly name: string,
    readonly kind: SimChannelKind,
    readonly creationtime: string,
    init: { state: Channel['state']; dialplan: Channel['dialplan']; caller?: Channel['caller']; protocolId?: string },
  ) {
    this.state = init.state;
    this.dialplan = init.dialplan;
    this.caller = init.caller ?? { name: '', number: '' };
    this.protocolId = init.protocolId ?? '';
  }

  caller: Channel['caller'];
  connected: Channel['connected'] = { name: '', number: '' };
  protocolId: string;

  /** The channel as ARI renders it. */
  json(withVars = false): Channel {
    const c: Channel = {
      id: this.id,
      name: this.name,
      state: this.state,
      protocol_id: this.protocolId,
      caller: { ...this.caller },
      connected: { ...this.connected },
      accountcode: '',
      dialplan: { ...this.dialplan },
      creationtime: this.creationtime,
      language: 'en',
    };
    if (withVars && this.kind === 'externalMedia') {
      c.channelvars = {
        UNICASTRTP_LOCAL_PORT: this.vars.get('UNICASTRTP_LOCAL_PORT') ?? '',
        UNICASTRTP_LOCAL_ADDRESS: this.vars.get('UNICASTRTP_LOCAL_ADDRESS') ?? '',
      };
    }
    return c;
  }

  get inStasis(): boolean {
    return this.stasisApp !== undefined;
  }
}

/** One simulated bridge. */
export class SimBridge {
  readonly channels: string[] = [];
  readonly subscribers = new Set<string>();
  readonly playbacks: string[] = [];
  mohClass: string | undefined;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly type: string,
    readonly creationtime: string,
  ) {}

  json(): Bridge {
    const holding = this.type.includes('holding');
    return {
      id: this.id,
      technology: holding ? 'holding_bridge' : this.channels.length > 2 ? 'softmix' : 'simple_bridge',
      bridge_type: holding ? 'holding' : 'mixing',
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: this.name,
      channels: [...this.channels],
      creationtime: this.creationtime,
      video_mode: holding ? 'none' : 'talker',
    };
  }
}

/** Asterisk's timestamp format: `2026-11-22T03:16:26.918+0000`. */
export function astTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
