import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AriEvents, DoctorAri } from './ari.js';
import { analyse, type AudioFindings, type WireFormat } from './audio.js';
import { isLoopback } from './checks-ari.js';
import type { MediaPlan } from './checks-media.js';
import { localAddresses } from './checks-media.js';
import type { DoctorSettings } from './settings.js';
import { RtpTap } from './tap.js';
import { fail, pass, skip, warn, type CheckResult } from './types.js';

/** Options of the test call. */
export interface CallOptions {
  format: WireFormat;
  /** What to dial: a `Local/` channel into a context that answers and plays audio. */
  endpoint: string;
  /** How long to record once both channels are bridged. */
  listenMs: number;
  /** How long the endpoint may take to answer. */
  answerTimeoutMs: number;
  signal: AbortSignal;
}

const RTP_IDS = ['rtp.arrival', 'rtp.source', 'rtp.payload-type', 'rtp.byte-order', 'rtp.sample-rate', 'rtp.energy'];

function skipRtp(out: (r: CheckResult) => void, why: string): void {
  for (const id of RTP_IDS) out(skip(id, why));
}

/**
 * Places a real test call: an ExternalMedia channel pointed at a local tap
 * (standing in for the gateway, on the address Asterisk is told), a `Local/`
 * call to a context that plays audio, both in one bridge. Then judges what
 * arrived: packets at all, their source, payload type, byte order, sample
 * rate and energy. Everything it creates is hung up and destroyed.
 */
export async function callChecks(s: DoctorSettings, ari: DoctorAri, plan: MediaPlan, o: CallOptions, out: (r: CheckResult) => void): Promise<void> {
  const app = `${s.ariApp}-doctor`;
  const tag = randomBytes(4).toString('hex');
  let events: AriEvents | undefined;
  let tap: RtpTap | undefined;
  const created: { channels: string[]; bridge?: string } = { channels: [] };
  try {
    try {
      events = await ari.events(app);
      out(pass('call.events', `events WebSocket open for test application ${app}`));
    } catch (err) {
      out(fail('call.events', `cannot open the ARI events WebSocket: ${(err as Error).message}`, 'check http.conf (enabled, bindaddr) and any proxy in front of ARI: it must pass WebSocket upgrades on /ari/events'));
      out(skip('call.media', 'no events WebSocket'));
      skipRtp(out, 'no test call');
      return;
    }

    try {
      tap = await RtpTap.open(plan.bindHost, plan.tapPort);
    } catch (err) {
      out(fail('call.media', `cannot bind the test RTP socket on ${plan.bindHost}:${plan.tapPort}: ${(err as Error).message}`, 'pass --tap-port with a free UDP port in the range Asterisk may reach'));
      skipRtp(out, 'no test socket');
      return;
    }
    const externalHost = `${plan.advertiseHost.includes(':') ? `[${plan.advertiseHost}]` : plan.advertiseHost}:${tap.port}`;

    const bridge = await ari.request<{ id: string }>('POST', '/bridges', { type: 'mixing', name: `dialer-doctor-${tag}`, bridgeId: `dialer-doctor-${tag}` });
    if (bridge.status !== 200) {
      out(fail('call.media', `could not create a bridge (HTTP ${bridge.status})`, 'check that res_ari_bridges.so and bridge_simple/bridge_softmix are loaded'));
      skipRtp(out, 'no bridge');
      return;
    }
    created.bridge = bridge.body.id;

    const emId = `dialer-doctor-em-${tag}`;
    const em = await ari.request<{ id: string; channelvars?: Record<string, string>; message?: string; error?: string }>('POST', '/channels/externalMedia', {
      app,
      external_host: externalHost,
      format: o.format.name,
      channelId: emId,
    });
    if (em.status !== 200) {
      const why = em.body?.message ?? em.body?.error ?? '';
      out(
        fail(
          'call.media',
          `Asterisk refused the ExternalMedia channel to ${externalHost} (HTTP ${em.status}${why ? ` ${why}` : ''})`,
          em.status >= 500
            ? 'load chan_rtp.so (modules.conf) and check that the format is one Asterisk has a codec module for (codec_ulaw, codec_resample)'
            : em.status === 404
              ? 'res_ari_channels.so is not running: it needs every res_stasis_* module (res_stasis_snoop.so included); see ari.modules'
              : 'check the format and external_host',
        ),
      );
      skipRtp(out, 'no ExternalMedia channel');
      return;
    }
    created.channels.push(emId);
    const started = await events.waitFor((e) => e.type === 'StasisStart' && e.channel?.id === emId, 5000);
    if (!started) {
      out(fail('call.media', 'the ExternalMedia channel never entered the test application', 'check the Asterisk log for chan_rtp errors'));
      skipRtp(out, 'ExternalMedia not in Stasis');
      return;
    }
    const vars = em.body.channelvars ?? {};
    const reported = vars['UNICASTRTP_LOCAL_ADDRESS'] ? `${vars['UNICASTRTP_LOCAL_ADDRESS']}:${vars['UNICASTRTP_LOCAL_PORT'] ?? ''}` : undefined;
    await ari.request('POST', `/bridges/${created.bridge}/addChannel`, { channel: emId });
    out(pass('call.media', `ExternalMedia channel ${o.format.name} → ${externalHost}${reported ? ` (Asterisk sends from ${reported})` : ''}`));

    const callId = `dialer-doctor-call-${tag}`;
    const call = await ari.request<{ message?: string }>('POST', '/channels', {
      endpoint: o.endpoint,
      app,
      appArgs: 'doctor',
      timeout: Math.ceil(o.answerTimeoutMs / 1000),
      channelId: callId,
      otherChannelId: `${callId}-2`,
    });
    if (call.status !== 200) {
      out(fail('call.originate', `originate ${o.endpoint} failed (HTTP ${call.status} ${call.body?.message ?? ''})`.trim(), 'install the [dialer-test] context from asterisk/etc/extensions.conf, or pass --test-endpoint'));
      skipRtp(out, 'no test call');
      return;
    }
    created.channels.push(callId);
    const answered = await events.waitFor(
      (e) => (e.type === 'StasisStart' && e.channel?.id === callId) || (e.type === 'ChannelDestroyed' && e.channel?.id === callId),
      o.answerTimeoutMs,
    );
    if (!answered || answered.type !== 'StasisStart') {
      const cause = answered ? ` (hung up, cause ${String(answered['cause_txt'] ?? answered['cause'] ?? '?')})` : ` (no answer in ${o.answerTimeoutMs} ms)`;
      out(fail('call.originate', `${o.endpoint} did not answer${cause}`, 'install the [dialer-test] context from asterisk/etc/extensions.conf (its milliwatt extension answers and plays a tone), or pass --test-endpoint'));
      skipRtp(out, 'the test call was not answered');
      return;
    }
    out(pass('call.originate', `${o.endpoint} answered`));

    // Tap it the way the controller taps a customer: a snoop (what the channel hears) bridged with the ExternalMedia channel.
    const snoopId = `dialer-doctor-snoop-${tag}`;
    const snoop = await ari.request<{ message?: string }>('POST', `/channels/${encodeURIComponent(callId)}/snoop`, { spy: 'in', app, appArgs: 'doctor', snoopId });
    if (snoop.status !== 200) {
      out(fail('call.tap', `Asterisk refused to snoop on the test call (HTTP ${snoop.status} ${snoop.body?.message ?? ''})`.trim(), 'load res_stasis_snoop.so (modules.conf): the controller taps every call this way'));
      skipRtp(out, 'no tap');
      return;
    }
    created.channels.push(snoopId);
    await events.waitFor((e) => e.type === 'StasisStart' && e.channel?.id === snoopId, 5000);
    const added = await ari.request('POST', `/bridges/${created.bridge}/addChannel`, { channel: snoopId });
    if (added.status >= 300) {
      out(fail('call.tap', `could not bridge the snoop with the ExternalMedia channel (HTTP ${added.status})`, 'check the Asterisk log for bridge errors'));
      skipRtp(out, 'no tap');
      return;
    }
    out(pass('call.tap', 'the call is tapped (snoop, spy=in) into a bridge with the ExternalMedia channel, as the controller does'));

    await sleep(o.listenMs, undefined, { signal: o.signal }).catch(() => undefined);
    const findings = analyse(tap.packets, o.format);
    judge(findings, tap.malformed, s, plan, o.format, reported, externalHost, out);
  } finally {
    tap?.close();
    for (const id of created.channels.reverse()) await ari.request('DELETE', `/channels/${encodeURIComponent(id)}`).catch(() => undefined);
    if (created.bridge) await ari.request('DELETE', `/bridges/${encodeURIComponent(created.bridge)}`).catch(() => undefined);
    events?.close();
  }
}

function hostOf(addrPort: string): string {
  const i = addrPort.lastIndexOf(':');
  return (i < 0 ? addrPort : addrPort.slice(0, i)).replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
}

function portOf(addrPort: string): string {
  const i = addrPort.lastIndexOf(':');
  return i < 0 ? '' : addrPort.slice(i + 1);
}

/** Whether a packet source (`address:port`) is exactly the one Asterisk reported. */
function sameSource(source: string, reported: string): boolean {
  return hostOf(source) === hostOf(reported) && portOf(source) === portOf(reported);
}

/** Turns the findings into the rtp.* checks. */
export function judge(
  f: AudioFindings,
  malformed: number,
  s: DoctorSettings,
  plan: MediaPlan,
  format: WireFormat,
  reported: string | undefined,
  externalHost: string,
  out: (r: CheckResult) => void,
): void {
  let ariHost = 'Asterisk';
  try {
    ariHost = new URL(s.ariUrl).hostname;
  } catch {
    // Reported elsewhere.
  }
  if (f.packets === 0) {
    const natted = !localAddresses().has(plan.advertiseHost) && !isLoopback(plan.advertiseHost);
    const fix = natted
      ? `forward UDP ${plan.advertiseHost}:${s.rtpPort} to this host and allow it through the firewall, or correct MEDIA_ADVERTISE_HOST`
      : `allow UDP from ${ariHost} to ${externalHost} (the RTP range) in the firewall, and check that MEDIA_ADVERTISE_HOST is the address Asterisk reaches this host on`;
    out(fail('rtp.arrival', `no RTP arrived at ${externalHost} during the test call${malformed > 0 ? ` (${malformed} non-RTP datagrams)` : ''}`, fix));
    for (const id of RTP_IDS.slice(1)) out(skip(id, 'no RTP to judge'));
    return;
  }
  out(pass('rtp.arrival', `${f.packets} RTP packets arrived at ${externalHost}`));

  // The gateway routes each packet to its leg by exact source address and port, the ones the
  // controller learned from UNICASTRTP_LOCAL_ADDRESS/PORT: anything else is dropped as unknown.
  const from = [...f.sources];
  if (!reported) {
    out(warn('rtp.source', `RTP comes from ${from.join(', ')}, but Asterisk reported no UNICASTRTP_LOCAL_ADDRESS/PORT`, 'the controller registers each leg\'s RTP source from these channel variables, which Asterisk 22 sets on every ExternalMedia channel: check the Asterisk version (ari.auth) and any proxy in front of ARI'));
  } else if (!from.some((a) => sameSource(a, reported))) {
    const hostOk = from.some((a) => hostOf(a) === hostOf(reported));
    out(
      fail(
        'rtp.source',
        `RTP comes from ${from.join(', ')} but Asterisk reports ${reported}: the gateway accepts a leg's RTP only from the reported ${hostOk ? 'port' : 'address'}, so it would drop every packet (${hostOk ? 'a port-rewriting NAT or RTP proxy' : 'NAT'} between Asterisk and the gateway)`,
        'put Asterisk and the gateways on one network without NAT (or a VPN between them), so packets leave from the address Asterisk reports; rtp.conf bind settings must not differ from the interface that reaches the gateway',
      ),
    );
  } else {
    out(pass('rtp.source', `RTP comes from ${from.join(', ')}, as Asterisk reports`));
  }

  const [topPt] = [...f.payloadTypes.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const ptOk = format.pt === undefined ? topPt >= 96 && topPt <= 127 : topPt === format.pt;
  if (!ptOk) {
    out(
      fail(
        'rtp.payload-type',
        `payload type ${topPt} arrives, but ${format.name} is ${format.pt ?? '96-127'} (the gateway drops every such packet)`,
        `make the ExternalMedia format and the gateway's codec agree (${format.name} is PT ${format.pt ?? 'dynamic'}); check rtp.conf/codecs on Asterisk`,
      ),
    );
  } else {
    out(pass('rtp.payload-type', `payload type ${topPt} matches ${format.name}`));
  }

  if (format.bytesPerSample === 2 && f.smoothBE !== undefined && f.smoothLE !== undefined) {
    if (f.smoothLE > f.smoothBE + 0.2 && f.smoothLE > 0.5) {
      out(
        fail(
          'rtp.byte-order',
          `${format.name} arrives little-endian (smoothness BE ${f.smoothBE.toFixed(2)}, LE ${f.smoothLE.toFixed(2)}); RTP L16 is big-endian`,
          'the sender swaps bytes: Asterisk sends network byte order for slin over RTP; fix the sender or any RTP proxy in the path',
        ),
      );
    } else if (f.smoothBE < 0.3 && f.smoothLE < 0.3) {
      out(warn('rtp.byte-order', `${format.name} audio looks like noise in either byte order (smoothness ${f.smoothBE.toFixed(2)})`, 'check that the format Asterisk sends is really 16-bit linear'));
    } else {
      out(pass('rtp.byte-order', `${format.name} is big-endian (smoothness ${f.smoothBE.toFixed(2)})`));
    }
  } else {
    out(skip('rtp.byte-order', format.bytesPerSample === 2 ? 'no audio to judge' : `${format.name} has no byte order`));
  }

  const samples = f.payloadBytes / format.bytesPerSample;
  if (f.arrivalRateHz !== undefined && Math.abs(f.arrivalRateHz - format.rate) / format.rate > 0.15) {
    const heard = Math.round(f.arrivalRateHz / 1000) * 1000;
    out(
      fail(
        'rtp.sample-rate',
        `audio arrives at about ${heard} Hz (${samples} samples per ${f.intervalMs?.toFixed(0)} ms packet) but ${format.name} is ${format.rate} Hz${f.tsStep !== undefined && f.tsStep !== samples ? `; RTP timestamps step ${f.tsStep}` : ''}`,
        `make the gateway's format match the ExternalMedia format (${format.name} = ${format.rate} Hz), and check that no transcoder in the path resamples`,
      ),
    );
  } else if (f.tsStep !== undefined && Math.abs(f.tsStep - samples) > 1) {
    out(warn('rtp.sample-rate', `RTP timestamps step ${f.tsStep} per packet but packets carry ${samples} samples`, 'timestamps and payload disagree: check the sender\'s clock rate for the format'));
  } else {
    out(pass('rtp.sample-rate', `${format.rate} Hz (${samples} samples per packet${f.intervalMs ? `, every ${f.intervalMs.toFixed(0)} ms` : ''})`));
  }

  if (f.peakDbfs > -45) out(pass('rtp.energy', `audio energy end to end: peak ${f.peakDbfs.toFixed(1)} dBFS`));
  else
    out(
      fail(
        'rtp.energy',
        `RTP arrives but carries silence (peak ${f.peakDbfs.toFixed(1)} dBFS)`,
        'the test endpoint must play audio (Local/milliwatt@dialer-test plays a 1004 Hz tone); check for muted channels or a codec that cannot be translated',
      ),
    );
}
