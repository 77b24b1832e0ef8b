import { createMessage, DialerError, type Clock, type EventBus, type Logger, type MessageData } from '@dialer/core';
import type { Channel } from '../ari/generated/models.js';
import type { AriServer } from './server.js';
import type { EventSink } from './router.js';

/** How to reach the media gateways over the bus. */
export interface GatewayLink {
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly nodeId: string;
  readonly log: Logger;
  readonly requestTimeoutMs: number;
}

/** Where a gateway wants a leg's RTP. */
export interface LegAddress {
  readonly rtpHost: string;
  readonly rtpPort: number;
}

function parseAddress(result: unknown, fallbackHost: string): LegAddress {
  const r = (result ?? {}) as { rtpHost?: unknown; rtpPort?: unknown };
  const port = Number(r.rtpPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DialerError('DIALER_ERR_MEDIA_LEG_UNKNOWN', 'the gateway did not say where to send RTP (rtpPort missing)', { details: { result } });
  }
  return { rtpHost: typeof r.rtpHost === 'string' && r.rtpHost ? r.rtpHost : fallbackHost, rtpPort: port };
}

/** `cmd.media.leg.open` on one gateway; resolves with where to send the RTP. */
export async function openLeg(link: GatewayLink, tenantId: string, data: MessageData<'cmd.media.leg.open'>, fallbackHost: string): Promise<LegAddress> {
  const result = await link.bus.request(createMessage('cmd.media.leg.open', tenantId, data, { clock: link.clock, source: link.nodeId }), { timeoutMs: link.requestTimeoutMs });
  return parseAddress(result, fallbackHost);
}

/** `cmd.media.leg.update`; a failure is logged, not thrown (the gateway can also learn the address from the first packet). */
export async function updateLeg(link: GatewayLink, tenantId: string, data: MessageData<'cmd.media.leg.update'>): Promise<void> {
  try {
    await link.bus.request(createMessage('cmd.media.leg.update', tenantId, data, { clock: link.clock, source: link.nodeId }), { timeoutMs: link.requestTimeoutMs });
  } catch (err) {
    link.log.warn({ err: { message: (err as Error).message }, legId: data.legId }, 'media leg update failed');
  }
}

/** `cmd.media.leg.close`, without waiting long: a dead gateway must not hold up a hangup. */
export function closeLeg(link: GatewayLink, tenantId: string, data: MessageData<'cmd.media.leg.close'>): void {
  link.bus
    .request(createMessage('cmd.media.leg.close', tenantId, data, { clock: link.clock, source: link.nodeId }), { timeoutMs: link.requestTimeoutMs })
    .catch((err: unknown) => link.log.debug({ err: { message: (err as Error).message }, legId: data.legId }, 'media leg close got no reply'));
}

/**
 * Creates an ExternalMedia channel toward `address` and waits for its
 * StasisStart before returning: only then may it be added to a bridge (the
 * traces show 422 "Channel not in Stasis application" otherwise).
 */
export async function createExternalMedia(
  server: AriServer,
  o: { channelId: string; app: string; address: LegAddress; format: string; sink: EventSink; timeoutMs?: number },
): Promise<{ channel: Channel; localHost: string | undefined; localPort: number | undefined }> {
  server.router.channel(o.channelId, o.sink);
  const started = server.router.waitForStasisStart(o.channelId, o.timeoutMs ?? 5000);
  started.catch(() => undefined);
  let channel: Channel;
  try {
    channel = await server.client.channels.externalMedia({
      app: o.app,
      external_host: `${o.address.rtpHost}:${o.address.rtpPort}`,
      format: o.format,
      channelId: o.channelId,
    });
    await started;
  } catch (err) {
    server.router.forgetChannel(o.channelId);
    await server.client.channels.hangup({ channelId: o.channelId }).catch(() => undefined);
    throw err;
  }
  const vars = (channel.channelvars ?? {}) as Record<string, string>;
  const port = Number(vars['UNICASTRTP_LOCAL_PORT']);
  return { channel, localHost: vars['UNICASTRTP_LOCAL_ADDRESS'], localPort: Number.isInteger(port) && port > 0 ? port : undefined };
}

/** Deletes a channel or bridge, treating 404 (already gone) as success. */
export async function quietly(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch {
    // Gone already, or Asterisk is away: resync cleans up what is left.
  }
}
