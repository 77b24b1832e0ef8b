// A browser's WebRTC connection, through werift: answers the browser's offer
// (audio only, Opus or PCMU), gathers candidates before answering (no
// trickle), and hands RTP in and out. Everything werift-specific stays here.
import { RTCPeerConnection, RTCRtpCodecParameters, RtpPacket, type RTCRtpTransceiver } from 'werift';
import { DialerError } from '@dialer/core';

/** Where ICE may listen. */
export interface WebRtcPeerOptions {
  /** Address offered as the host candidate; unset: every interface (plus loopback). */
  host?: string;
  portRange?: [number, number];
  /** Longest wait for ICE gathering (default 5 s). */
  gatherTimeoutMs?: number;
}

/** Connection states reported to the session. */
export type PeerState = 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** An RTP packet from the browser (werift parsed it; no copy of the payload). */
export interface PeerRtp {
  payload: Buffer;
  sequence: number;
  timestamp: number;
  payloadType: number;
  ssrc: number;
  marker: boolean;
}

/** One browser connection. */
export interface WebRtcPeer {
  /** Negotiated codec, once answered. */
  readonly codec: 'opus' | 'ulaw';
  onRtp(handler: (rtp: PeerRtp) => void): void;
  onState(handler: (state: PeerState) => void): void;
  /** Sends an RTP packet toward the browser (SSRC and payload type are set by the sender). */
  send(packet: Buffer): void;
  close(): Promise<void>;
}

/** Answers `offerSdp`; resolves with the answer and the connected peer. */
export async function answerOffer(offerSdp: string, o: WebRtcPeerOptions): Promise<{ sdp: string; peer: WebRtcPeer }> {
  const pc = new RTCPeerConnection({
    codecs: {
      audio: [
        new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }),
        new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
      ],
    },
    iceUseIpv6: false,
    ...(o.host ? { iceInterfaceAddresses: { udp4: o.host }, iceAdditionalHostAddresses: [o.host] } : { iceAdditionalHostAddresses: ['127.0.0.1'] }),
    ...(o.portRange ? { icePortRange: o.portRange } : {}),
  });
  let rtpHandler: ((rtp: PeerRtp) => void) | undefined;
  let stateHandler: ((state: PeerState) => void) | undefined;
  pc.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((rtp) => {
      const h = rtp.header;
      rtpHandler?.({ payload: rtp.payload, sequence: h.sequenceNumber, timestamp: h.timestamp, payloadType: h.payloadType, ssrc: h.ssrc, marker: h.marker });
    });
  });
  pc.connectionStateChange.subscribe((s) => {
    const mapped: PeerState = s === 'new' || s === 'connecting' ? 'connecting' : s;
    stateHandler?.(mapped);
  });
  let transceiver: RTCRtpTransceiver | undefined;
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    transceiver = pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!transceiver) throw new DialerError('DIALER_ERR_MEDIA_CODEC', 'the offer has no audio');
    transceiver.setDirection('sendrecv');
    await pc.setLocalDescription(await pc.createAnswer());
    await waitForGathering(pc, o.gatherTimeoutMs ?? 5000);
  } catch (err) {
    await pc.close().catch(() => undefined);
    if (err instanceof DialerError) throw err;
    throw new DialerError('DIALER_ERR_VALIDATION', 'cannot answer the WebRTC offer', { cause: err, details: { reason: (err as Error).message } });
  }
  const mime = transceiver.sender.codec?.mimeType.toLowerCase();
  if (mime !== 'audio/opus' && mime !== 'audio/pcmu') {
    await pc.close().catch(() => undefined);
    throw new DialerError('DIALER_ERR_MEDIA_CODEC', 'the browser offered neither Opus nor PCMU');
  }
  const sdp = pc.localDescription?.sdp ?? '';
  const sender = transceiver.sender;
  let closed = false;
  const peer: WebRtcPeer = {
    codec: mime === 'audio/opus' ? 'opus' : 'ulaw',
    onRtp: (h) => (rtpHandler = h),
    onState: (h) => (stateHandler = h),
    send(packet) {
      if (closed) return;
      sender.sendRtp(RtpPacket.deSerialize(packet)).catch(() => undefined);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pc.close().catch(() => undefined);
    },
  };
  return { sdp, peer };
}

function waitForGathering(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const sub = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') done();
    });
    function done(): void {
      clearTimeout(timer);
      sub.unSubscribe();
      resolve();
    }
  });
}
