import type { AriOperationId } from '../ari/generated/operations.js';
import { fail, type SimDialplan, type SimReply } from './dialplan.js';
import type { SimEngine } from './engine.js';
import type { SimPlaybacks } from './playback.js';
import type { SimChannel } from './state.js';

/** Operations whose handlers answer missing parameters with Asterisk's own wording. */
export const SELF_CHECKED = new Set<AriOperationId>([
  'channels.originate',
  'channels.originateWithId',
  'channels.externalMedia',
  'channels.snoopChannel',
  'channels.snoopChannelWithId',
]);

const REASONS: Record<string, number> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 19,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

const NOT_IN_STASIS = 'Channel not in Stasis application';

/** The REST handlers of the simulated Asterisk, one per supported operation. */
export class SimApi {
  constructor(
    private readonly e: SimEngine,
    private readonly dp: SimDialplan,
    private readonly pb: SimPlaybacks,
    private readonly env: { modules: () => string[]; version: string; onExternalMedia: () => void },
  ) {}

  private channel(id: unknown): SimChannel | SimReply {
    const ch = this.e.channels.get(String(id));
    return ch ?? fail(404, 'Channel not found');
  }

  private inStasis(id: unknown, notInStasis = 409): SimChannel | SimReply {
    const ch = this.channel(id);
    if (!('id' in ch)) return ch;
    if (!ch.inStasis) return fail(notInStasis, NOT_IN_STASIS);
    return ch;
  }

  async handle(id: AriOperationId, p: Record<string, unknown>): Promise<SimReply> {
    const e = this.e;
    const s = (k: string): string | undefined => (p[k] === undefined ? undefined : String(p[k]));
    const n = (k: string): number | undefined => (p[k] === undefined ? undefined : Number(p[k]));
    switch (id) {
      // --- channels -----------------------------------------------------------
      case 'channels.list':
        return { status: 200, body: [...e.channels.values()].map((c) => c.json()) };
      case 'channels.get': {
        const ch = this.channel(p['channelId']);
        return 'id' in ch ? { status: 200, body: ch.json() } : ch;
      }
      case 'channels.originate':
      case 'channels.originateWithId':
        return this.dp.originate({
          endpoint: s('endpoint') ?? '',
          app: s('app'),
          appArgs: s('appArgs'),
          extension: s('extension'),
          context: s('context'),
          callerId: s('callerId'),
          timeout: n('timeout'),
          channelId: s('channelId'),
          otherChannelId: s('otherChannelId'),
          variables: p['variables'] as Record<string, string> | undefined,
        });
      case 'channels.externalMedia': {
        const r = await this.dp.externalMedia(
          {
            app: s('app'),
            external_host: s('external_host'),
            format: s('format'),
            encapsulation: s('encapsulation'),
            transport: s('transport'),
            channelId: s('channelId'),
            variables: p['variables'] as Record<string, string> | undefined,
          },
          this.env.modules().includes('chan_rtp.so'),
        );
        if (r.status === 200) this.env.onExternalMedia();
        return r;
      }
      case 'channels.hangup': {
        const ch = this.channel(p['channelId']);
        if (!('id' in ch)) return ch;
        if (p['reason'] !== undefined && p['reason_code'] !== undefined) return fail(400, "The reason and reason_code can't both be specified");
        let cause = 16;
        if (p['reason_code'] !== undefined) {
          cause = Number(p['reason_code']);
          if (!Number.isInteger(cause)) return fail(400, 'Invalid reason for hangup provided');
        } else if (p['reason'] !== undefined) cause = REASONS[String(p['reason'])] ?? 16;
        e.hangupByApp(ch, cause);
        return { status: 204 };
      }
      case 'channels.continueInDialplan': {
        const ch = this.channel(p['channelId']);
        if (!('id' in ch)) return ch;
        return this.dp.continueIn(ch, s('context') ?? ch.dialplan.context, s('extension') ?? 's', n('priority') ?? 1);
      }
      case 'channels.answer': {
        const ch = this.inStasis(p['channelId']);
        if (!('id' in ch)) return ch;
        if (ch.state !== 'Up') {
          ch.answered = true;
          e.setState(ch, 'Up');
        }
        return { status: 204 };
      }
      case 'channels.ring':
      case 'channels.ringStop':
      case 'channels.progress':
      case 'channels.mute':
      case 'channels.unmute':
      case 'channels.startMoh':
      case 'channels.stopMoh':
      case 'channels.startSilence':
      case 'channels.stopSilence':
      case 'channels.sendDTMF': {
        const ch = this.inStasis(p['channelId']);
        if (!('id' in ch)) return ch;
        if (id === 'channels.sendDTMF' && !s('dtmf')) return fail(400, 'DTMF is required');
        return { status: 204 };
      }
      case 'channels.hold':
      case 'channels.unhold': {
        const ch = this.inStasis(p['channelId']);
        if (!('id' in ch)) return ch;
        e.chan(id === 'channels.hold' ? 'ChannelHold' : 'ChannelUnhold', ch);
        return { status: 204 };
      }
      case 'channels.move': {
        const ch = this.inStasis(p['channelId']);
        if (!('id' in ch)) return ch;
        if (!s('app')) return fail(400, 'Missing parameter app');
        e.leaveStasis(ch);
        e.enterStasis(ch, s('app')!, s('appArgs')?.split(',') ?? []);
        return { status: 204 };
      }
      case 'channels.play':
      case 'channels.playWithId': {
        const ch = this.inStasis(p['channelId']);
        if (!('id' in ch)) return ch;
        if (!s('media')) return fail(400, 'Missing parameter media');
        return this.pb.play(ch, 'channel', { media: s('media')!, lang: s('lang'), playbackId: s('playbackId') });
      }
      case 'channels.record': {
        const ch = this.inStasis(p['channelId']);
        if (!('id' in ch)) return ch;
        return this.pb.record(ch, 'channel', { name: s('name') ?? '', format: s('format') ?? '', maxDurationSeconds: n('maxDurationSeconds'), ifExists: s('ifExists') });
      }
      case 'channels.getChannelVar': {
        const ch = this.channel(p['channelId']);
        if (!('id' in ch)) return ch;
        const v = ch.vars.get(s('variable') ?? '');
        return v === undefined ? fail(404, 'Provided variable was not found') : { status: 200, body: { value: v } };
      }
      case 'channels.setChannelVar': {
        const ch = this.channel(p['channelId']);
        if (!('id' in ch)) return ch;
        if (!s('variable')) return fail(400, 'Variable name is required');
        e.setVar(ch, s('variable')!, s('value') ?? '');
        return { status: 204 };
      }
      case 'channels.snoopChannel':
      case 'channels.snoopChannelWithId': {
        const ch = this.channel(p['channelId']);
        if (!('id' in ch)) return ch;
        return this.dp.snoop(ch, { spy: s('spy'), whisper: s('whisper'), app: s('app'), appArgs: s('appArgs'), snoopId: s('snoopId') });
      }
      // --- bridges --------------------------------------------------------------
      case 'bridges.list':
        return { status: 200, body: [...e.bridges.values()].map((b) => b.json()) };
      case 'bridges.create':
      case 'bridges.createWithId': {
        const bid = s('bridgeId');
        if (bid && e.bridges.has(bid)) return fail(409, 'Bridge with id already exists');
        const br = e.createBridge({ id: bid, name: s('name'), type: s('type') });
        return { status: 200, body: br.json() };
      }
      case 'bridges.get': {
        const br = e.bridges.get(String(p['bridgeId']));
        return br ? { status: 200, body: br.json() } : fail(404, 'Bridge not found');
      }
      case 'bridges.destroy': {
        const br = e.bridges.get(String(p['bridgeId']));
        if (!br) return fail(404, 'Bridge not found');
        e.destroyBridge(br);
        return { status: 204 };
      }
      case 'bridges.addChannel':
      case 'bridges.removeChannel': {
        const br = e.bridges.get(String(p['bridgeId']));
        if (!br) return fail(404, 'Bridge not found');
        if (!s('channel')) return fail(400, 'Missing parameter channel');
        const ids = s('channel')!.split(',');
        const chans: SimChannel[] = [];
        for (const cid of ids) {
          const ch = e.channels.get(cid);
          if (!ch) return fail(400, 'Channel not found');
          if (!ch.inStasis) return fail(422, NOT_IN_STASIS);
          if (id === 'bridges.removeChannel' && ch.bridgeId !== br.id) return fail(422, 'Channel not in this bridge');
          chans.push(ch);
        }
        for (const ch of chans) {
          if (id === 'bridges.addChannel') e.joinBridge(br, ch);
          else e.leaveBridge(br, ch);
        }
        return { status: 204 };
      }
      case 'bridges.startMoh':
      case 'bridges.stopMoh': {
        const br = e.bridges.get(String(p['bridgeId']));
        if (!br) return fail(404, 'Bridge not found');
        br.mohClass = id === 'bridges.startMoh' ? (s('mohClass') ?? 'default') : undefined;
        return { status: 204 };
      }
      case 'bridges.play':
      case 'bridges.playWithId': {
        const br = e.bridges.get(String(p['bridgeId']));
        if (!br) return fail(404, 'Bridge not found');
        if (!s('media')) return fail(400, 'Missing parameter media');
        return this.pb.play(br, 'bridge', { media: s('media')!, lang: s('lang'), playbackId: s('playbackId') });
      }
      case 'bridges.record': {
        const br = e.bridges.get(String(p['bridgeId']));
        if (!br) return fail(404, 'Bridge not found');
        return this.pb.record(br, 'bridge', { name: s('name') ?? '', format: s('format') ?? '', maxDurationSeconds: n('maxDurationSeconds'), ifExists: s('ifExists') });
      }
      // --- playbacks and recordings ---------------------------------------------
      case 'playbacks.get':
        return this.pb.getPlayback(String(p['playbackId']));
      case 'playbacks.stop':
        return this.pb.stopPlayback(String(p['playbackId'])) ? { status: 204 } : fail(404, 'Playback not found');
      case 'playbacks.control':
        return this.pb.getPlayback(String(p['playbackId'])).status === 200 ? { status: 204 } : fail(404, 'Playback not found');
      case 'recordings.getLive':
        return this.pb.liveOp(String(p['recordingName']), 'get');
      case 'recordings.stop':
      case 'recordings.cancel':
      case 'recordings.pause':
      case 'recordings.unpause':
      case 'recordings.mute':
      case 'recordings.unmute':
        return this.pb.liveOp(String(p['recordingName']), id.slice('recordings.'.length) as 'stop');
      case 'recordings.listStored':
        return { status: 200, body: [...this.pb.stored.values()].map((r) => ({ name: r.name, format: r.format })) };
      case 'recordings.getStored':
        return this.pb.storedOp(String(p['recordingName']), 'get');
      case 'recordings.deleteStored':
        return this.pb.storedOp(String(p['recordingName']), 'delete');
      // --- applications, asterisk, endpoints --------------------------------------
      case 'applications.list':
        return { status: 200, body: [...e.hub.activeApps()].map((a) => this.appJson(a)) };
      case 'applications.get': {
        const name = String(p['applicationName']);
        return e.hub.activeApps().has(name) ? { status: 200, body: this.appJson(name) } : fail(404, 'Application not found');
      }
      case 'asterisk.ping':
        return { status: 200, body: { asterisk_id: e.o.asteriskId, ping: 'pong', timestamp: e.nowIso() } };
      case 'asterisk.getInfo':
        return {
          status: 200,
          body: {
            build: { os: 'Linux', kernel: 'sim', options: '', machine: 'x86_64', date: '2026-01-01 00:00:00 UTC', user: 'sim' },
            system: { version: this.env.version, entity_id: e.o.asteriskId },
            config: { name: 'dialer-ari-simulator', default_language: 'en', setid: { user: '', group: '' } },
            status: { startup_time: e.nowIso(), last_reload_time: e.nowIso() },
          },
        };
      case 'asterisk.listModules':
        return { status: 200, body: this.env.modules().map((m) => this.moduleJson(m)) };
      case 'asterisk.getModule': {
        const name = String(p['moduleName']);
        return this.env.modules().includes(name) ? { status: 200, body: this.moduleJson(name) } : fail(404, 'Module could not be found in running modules');
      }
      case 'endpoints.list':
        return { status: 200, body: [] };
      case 'deviceStates.list':
        return { status: 200, body: [] };
      case 'sounds.list':
        return { status: 200, body: [] };
      default:
        return fail(501, `${id} is not implemented by the ARI simulator`);
    }
  }

  private moduleJson(name: string): Record<string, unknown> {
    return { name, description: name, use_count: 0, status: 'Running', support_level: 'core' };
  }

  private appJson(name: string): Record<string, unknown> {
    const channel_ids = [...this.e.channels.values()].filter((c) => c.subscribers.has(name)).map((c) => c.id);
    const bridge_ids = [...this.e.bridges.values()].filter((b) => b.subscribers.has(name)).map((b) => b.id);
    return { name, channel_ids, bridge_ids, endpoint_ids: [], device_names: [], events_allowed: [], events_disallowed: [] };
  }
}
