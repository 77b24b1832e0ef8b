// RTP (RFC 3550) parsing and serialising without copies: the parser fills a
// header object the caller allocates once and reports where the payload lies
// inside the packet; nothing is allocated per packet.

/** Smallest RTP packet: the fixed 12-byte header. */
export const RTP_HEADER_BYTES = 12;
/** Largest RTP packet the gateway accepts (an Ethernet MTU's worth). */
export const RTP_MAX_PACKET_BYTES = 1500;

/** Why a packet was rejected; `ok` (0) when it parsed. */
export const RtpParse = {
  ok: 0,
  runt: 1,
  oversized: 2,
  version: 3,
  csrcOverrun: 4,
  extensionOverrun: 5,
  badPadding: 6,
} as const;
export type RtpParseResult = (typeof RtpParse)[keyof typeof RtpParse];
/** Names of the rejection reasons, indexed by {@link RtpParseResult}; for metrics labels. */
export const RTP_PARSE_REASONS = ['ok', 'runt', 'oversized', 'version', 'csrc_overrun', 'extension_overrun', 'bad_padding'] as const;

/** A parsed RTP header. Allocate one with {@link createRtpHeader} and reuse it. */
export interface RtpHeader {
  padding: boolean;
  extension: boolean;
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrcCount: number;
  /** The first `csrcCount` entries are valid. */
  readonly csrcs: Uint32Array;
  /** Header extension profile (e.g. 0xBEDE), when `extension`. */
  extensionProfile: number;
  /** Offset and byte length of the extension data (after its 4-byte header). */
  extensionOffset: number;
  extensionLength: number;
  /** Where the payload lies in the packet. */
  payloadOffset: number;
  payloadLength: number;
  /** Padding bytes at the end (including the count byte). */
  paddingLength: number;
}

/** A header to reuse across packets. */
export function createRtpHeader(): RtpHeader {
  return {
    padding: false,
    extension: false,
    marker: false,
    payloadType: 0,
    sequence: 0,
    timestamp: 0,
    ssrc: 0,
    csrcCount: 0,
    csrcs: new Uint32Array(15),
    extensionProfile: 0,
    extensionOffset: 0,
    extensionLength: 0,
    payloadOffset: 0,
    payloadLength: 0,
    paddingLength: 0,
  };
}

/** Parses `buf[0..length)` into `out`; returns {@link RtpParse.ok} or the reason it was rejected. */
export function parseRtp(buf: Uint8Array, out: RtpHeader, length = buf.length, maxBytes = RTP_MAX_PACKET_BYTES): RtpParseResult {
  if (length < RTP_HEADER_BYTES) return RtpParse.runt;
  if (length > maxBytes) return RtpParse.oversized;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return RtpParse.version;
  const b1 = buf[1]!;
  out.padding = (b0 & 0x20) !== 0;
  out.extension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  out.csrcCount = cc;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequence = (buf[2]! << 8) | buf[3]!;
  out.timestamp = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  out.ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  let off = RTP_HEADER_BYTES;
  if (off + cc * 4 > length) return RtpParse.csrcOverrun;
  for (let i = 0; i < cc; i++, off += 4) {
    out.csrcs[i] = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
  }
  out.extensionProfile = 0;
  out.extensionOffset = 0;
  out.extensionLength = 0;
  if (out.extension) {
    if (off + 4 > length) return RtpParse.extensionOverrun;
    out.extensionProfile = (buf[off]! << 8) | buf[off + 1]!;
    const words = (buf[off + 2]! << 8) | buf[off + 3]!;
    off += 4;
    if (off + words * 4 > length) return RtpParse.extensionOverrun;
    out.extensionOffset = off;
    out.extensionLength = words * 4;
    off += words * 4;
  }
  let pad = 0;
  if (out.padding) {
    pad = buf[length - 1]!;
    if (pad === 0 || off + pad > length) return RtpParse.badPadding;
  }
  out.paddingLength = pad;
  out.payloadOffset = off;
  out.payloadLength = length - off - pad;
  return RtpParse.ok;
}

/** Fields of a packet to serialise. */
export interface RtpWriteHeader {
  marker?: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Up to 15 contributing sources. */
  csrcs?: ArrayLike<number>;
  /** Header extension: profile and data (a multiple of 4 bytes). */
  extensionProfile?: number;
  extension?: Uint8Array;
  /** Pad the packet with this many bytes (1..255), the last one holding the count. */
  padding?: number;
}

/** Bytes {@link writeRtp} needs for this header and payload length. */
export function rtpByteLength(h: RtpWriteHeader, payloadLength: number): number {
  const cc = h.csrcs?.length ?? 0;
  const ext = h.extension ? 4 + h.extension.length : 0;
  return RTP_HEADER_BYTES + cc * 4 + ext + payloadLength + (h.padding ?? 0);
}

/** Serialises a packet into `dst` at `offset`; returns the bytes written. `dst` must be large enough. */
export function writeRtp(dst: Uint8Array, h: RtpWriteHeader, payload: Uint8Array, offset = 0): number {
  const cc = h.csrcs?.length ?? 0;
  if (cc > 15) throw new RangeError('at most 15 CSRCs');
  if (h.extension && h.extension.length % 4 !== 0) throw new RangeError('extension data must be a multiple of 4 bytes');
  const pad = h.padding ?? 0;
  if (pad < 0 || pad > 255) throw new RangeError('padding must be 0..255');
  const total = rtpByteLength(h, payload.length);
  if (dst.length - offset < total) throw new RangeError('destination too small');
  let o = offset;
  dst[o++] = 0x80 | (pad > 0 ? 0x20 : 0) | (h.extension ? 0x10 : 0) | cc;
  dst[o++] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  dst[o++] = (h.sequence >> 8) & 0xff;
  dst[o++] = h.sequence & 0xff;
  o = writeU32(dst, o, h.timestamp);
  o = writeU32(dst, o, h.ssrc);
  for (let i = 0; i < cc; i++) o = writeU32(dst, o, h.csrcs![i]!);
  if (h.extension) {
    const profile = h.extensionProfile ?? 0xbede;
    dst[o++] = (profile >> 8) & 0xff;
    dst[o++] = profile & 0xff;
    const words = h.extension.length / 4;
    dst[o++] = (words >> 8) & 0xff;
    dst[o++] = words & 0xff;
    dst.set(h.extension, o);
    o += h.extension.length;
  }
  dst.set(payload, o);
  o += payload.length;
  if (pad > 0) {
    dst.fill(0, o, o + pad - 1);
    dst[o + pad - 1] = pad;
    o += pad;
  }
  return o - offset;
}

function writeU32(dst: Uint8Array, o: number, v: number): number {
  dst[o] = (v >>> 24) & 0xff;
  dst[o + 1] = (v >>> 16) & 0xff;
  dst[o + 2] = (v >>> 8) & 0xff;
  dst[o + 3] = v & 0xff;
  return o + 4;
}

/** Signed distance from sequence number `a` to `b`, across the 16-bit wrap (-32768..32767). */
export function seqDelta(a: number, b: number): number {
  return (((b - a) & 0xffff) << 16) >> 16;
}

/** Signed distance from timestamp `a` to `b`, across the 32-bit wrap. */
export function tsDelta(a: number, b: number): number {
  return (b - a) | 0;
}
