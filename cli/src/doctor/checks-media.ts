import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { isLoopback } from './checks-ari.js';
import type { DoctorSettings } from './settings.js';
import { probeUdpBind } from './tap.js';
import { fail, pass, warn, type CheckResult } from './types.js';

const ANY = new Set(['0.0.0.0', '::', '[::]']);

/** Addresses of this host's interfaces. */
export function localAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1', '::1', 'localhost']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/** What the media checks decided, for the test call. */
export interface MediaPlan {
  /** Where the tap binds. */
  bindHost: string;
  /** The port for the tap: the gateway's own when it is free, else any free port. */
  tapPort: number;
  /** The host Asterisk is told to send RTP to (MEDIA_ADVERTISE_HOST or MEDIA_RTP_HOST). */
  advertiseHost: string;
  /** Whether the gateway's port is in use (the gateway runs here). */
  gatewayListening: boolean;
  /** False when the addresses are unusable and the call would prove nothing. */
  usable: boolean;
}

/**
 * The gateway's addresses: MEDIA_RTP_HOST is local and bindable, the address
 * Asterisk is told (MEDIA_ADVERTISE_HOST) can reach it, and the RTP port is
 * listened on.
 */
export async function mediaChecks(s: DoctorSettings, out: (r: CheckResult) => void, o: { tapPort?: number | undefined; local?: Set<string> }): Promise<MediaPlan> {
  const local = o.local ?? localAddresses();
  const advertise = s.advertiseHost ?? s.rtpHost;
  const plan: MediaPlan = { bindHost: s.rtpHost, tapPort: o.tapPort ?? 0, advertiseHost: advertise, gatewayListening: false, usable: true };
  let ariHost = '127.0.0.1';
  try {
    ariHost = new URL(s.ariUrl).hostname.replace(/^\[|\]$/g, '');
  } catch {
    // Reported by the ARI checks.
  }

  if (!ANY.has(s.rtpHost) && !local.has(s.rtpHost)) {
    out(fail('media.rtp-host', `MEDIA_RTP_HOST ${s.rtpHost} is not an address of this host`, 'set MEDIA_RTP_HOST to a local address (or 0.0.0.0) and MEDIA_ADVERTISE_HOST to the address Asterisk reaches'));
    plan.usable = false;
  } else {
    out(pass('media.rtp-host', `RTP socket binds ${s.rtpHost}:${s.rtpPort}`));
  }

  // The address Asterisk sends to must be reachable from Asterisk and land on the socket.
  if (ANY.has(advertise)) {
    out(fail('media.advertise', `Asterisk would be told to send RTP to ${advertise}`, 'set MEDIA_ADVERTISE_HOST to this host\'s address as Asterisk sees it'));
    plan.usable = false;
  } else if (isLoopback(advertise) && !isLoopback(ariHost)) {
    out(
      fail(
        'media.advertise',
        `Asterisk (${ariHost}) is on another host but is told to send RTP to ${advertise}`,
        'set MEDIA_RTP_HOST=0.0.0.0 (or this host\'s address) and MEDIA_ADVERTISE_HOST to the address Asterisk reaches this host on',
      ),
    );
  } else if (local.has(advertise) && !ANY.has(s.rtpHost) && advertise !== s.rtpHost) {
    out(
      fail(
        'media.advertise',
        `Asterisk is told ${advertise} but the RTP socket binds only ${s.rtpHost}: packets to ${advertise}:${s.rtpPort} are dropped`,
        `bind MEDIA_RTP_HOST=0.0.0.0, or set MEDIA_ADVERTISE_HOST=${s.rtpHost}`,
      ),
    );
    plan.usable = false;
  } else if (!local.has(advertise) && isIP(advertise) !== 0) {
    out(
      warn(
        'media.advertise',
        `MEDIA_ADVERTISE_HOST ${advertise} is not an address of this host (NAT or a container)`,
        `forward UDP ${advertise}:${s.rtpPort} to ${s.rtpHost}:${s.rtpPort}; the test call below proves the path only when it uses that port`,
      ),
    );
  } else {
    out(pass('media.advertise', `Asterisk is told to send RTP to ${advertise}:${s.rtpPort}`));
  }

  const bind = await probeUdpBind(s.rtpHost, s.rtpPort);
  if (bind === 'in-use') {
    plan.gatewayListening = true;
    out(pass('media.port', `UDP ${s.rtpHost}:${s.rtpPort} is in use (the media gateway listens)`));
  } else if (bind === 'free') {
    out(warn('media.port', `nothing listens on UDP ${s.rtpHost}:${s.rtpPort}`, 'start the media gateway on this host (`systemctl start dialer-media`); if it runs elsewhere, run doctor there'));
    // The gateway's own port is free: the test call uses it, so a firewall rule for exactly that port is tested too.
    if (o.tapPort === undefined) plan.tapPort = s.rtpPort;
  } else if (bind === 'not-local') {
    plan.usable = false;
  }
  return plan;
}
