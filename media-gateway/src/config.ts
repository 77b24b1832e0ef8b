import { Type } from '@sinclair/typebox';
import { defineSection, setting } from '@dialer/core';

/** Settings of the media gateway. */
export const mediaSection = defineSection(
  'media',
  {
    rtpHost: setting({
      env: 'MEDIA_RTP_HOST',
      schema: Type.String({ minLength: 1 }),
      default: '127.0.0.1',
      doc: 'Address the RTP socket binds to.',
    }),
    rtpPort: setting({
      env: 'MEDIA_RTP_PORT',
      schema: Type.Integer({ minimum: 0, maximum: 65535 }),
      default: 40000,
      doc: 'UDP port of the RTP socket that every ExternalMedia leg sends to (legs are told apart by the source address and port Asterisk reports, then by SSRC).',
    }),
    advertiseHost: setting({
      env: 'MEDIA_ADVERTISE_HOST',
      schema: Type.String({ minLength: 1 }),
      optional: true,
      doc: 'Address Asterisk should send RTP to, when it differs from MEDIA_RTP_HOST (NAT, containers). Default: MEDIA_RTP_HOST.',
    }),
    heartbeatMs: setting({
      env: 'MEDIA_HEARTBEAT_MS',
      schema: Type.Integer({ minimum: 100, maximum: 60_000 }),
      default: 2000,
      doc: 'How often the gateway announces itself on the bus; the controller treats 3 missed beats as a dead gateway.',
    }),
    recvBufferBytes: setting({
      env: 'MEDIA_RTP_RECV_BUFFER_BYTES',
      schema: Type.Integer({ minimum: 4 * 1024 * 1024, maximum: 256 * 1024 * 1024 }),
      default: 4 * 1024 * 1024,
      doc: 'Kernel receive buffer of the RTP socket (at least 4 MiB; raise net.core.rmem_max to match, or the kernel caps it).',
    }),
    maxLegs: setting({
      env: 'MEDIA_MAX_LEGS',
      schema: Type.Integer({ minimum: 1, maximum: 100_000 }),
      default: 2000,
      doc: 'Most legs (RTP and WebRTC) this gateway takes; further opens are refused with DIALER_ERR_MEDIA_CAPACITY.',
    }),
    rtpTimeoutMs: setting({
      env: 'MEDIA_RTP_TIMEOUT_MS',
      schema: Type.Integer({ minimum: 500, maximum: 600_000 }),
      default: 10_000,
      doc: 'A leg that receives no RTP for this long (counted from its opening until the first packet) is closed and reported with reason rtp_timeout.',
    }),
    earlyPacketMs: setting({
      env: 'MEDIA_EARLY_PACKET_MS',
      schema: Type.Integer({ minimum: 0, maximum: 5000 }),
      default: 1000,
      doc: 'How long RTP from a not-yet-registered source is held while some leg waits for its source address (Asterisk often sends before the controller reports it); 0 drops such packets.',
    }),
    jitterDepth: setting({
      env: 'MEDIA_JITTER_DEPTH',
      schema: Type.Integer({ minimum: 1, maximum: 16 }),
      default: 3,
      doc: 'Reorder window in packets: a missing packet is declared lost once this many later ones have arrived.',
    }),
    jitterMaxWaitMs: setting({
      env: 'MEDIA_JITTER_MAX_WAIT_MS',
      schema: Type.Integer({ minimum: 0, maximum: 500 }),
      default: 60,
      doc: 'Longest a packet waits for a missing earlier one before the gap is filled.',
    }),
    vadEngine: setting({
      env: 'MEDIA_VAD_ENGINE',
      schema: Type.Union([Type.Literal('webrtc'), Type.Literal('energy')]),
      default: 'webrtc',
      doc: 'Voice activity detector: `webrtc` (the WebRTC VAD, libfvad in WebAssembly) or `energy` (a simple level detector).',
    }),
    vadAggressiveness: setting({
      env: 'MEDIA_VAD_AGGRESSIVENESS',
      schema: Type.Integer({ minimum: 0, maximum: 3 }),
      default: 2,
      doc: 'WebRTC VAD mode, 0 (keeps the most audio) to 3 (drops the most non-speech).',
    }),
    vadPreRollMs: setting({
      env: 'MEDIA_VAD_PREROLL_MS',
      schema: Type.Integer({ minimum: 0, maximum: 2000 }),
      default: 300,
      doc: 'Audio before detected speech that is sent with a speech segment.',
    }),
    vadHangoverMs: setting({
      env: 'MEDIA_VAD_HANGOVER_MS',
      schema: Type.Integer({ minimum: 20, maximum: 5000 }),
      default: 600,
      doc: 'Silence after speech that ends a segment (and is sent with it).',
    }),
    vadMaxSegmentMs: setting({
      env: 'MEDIA_VAD_MAX_SEGMENT_MS',
      schema: Type.Integer({ minimum: 1000, maximum: 300_000 }),
      default: 30_000,
      doc: 'Longest speech segment; longer speech is split.',
    }),
    sttChunkMs: setting({
      env: 'MEDIA_STT_CHUNK_MS',
      schema: Type.Integer({ minimum: 80, maximum: 100, multipleOf: 20 }),
      default: 100,
      doc: 'Audio per write to a speech-to-text stream (4 or 5 frames of 20 ms).',
    }),
    sttMaxBacklogMs: setting({
      env: 'MEDIA_STT_MAX_BACKLOG_MS',
      schema: Type.Integer({ minimum: 100, maximum: 120_000 }),
      default: 5000,
      doc: 'Audio a slow or reconnecting provider may have buffered before further audio for that leg is dropped (counted and logged).',
    }),
    recordingDir: setting({
      env: 'MEDIA_RECORDING_DIR',
      schema: Type.String({ minLength: 1 }),
      optional: true,
      doc: 'Directory for call recordings. Default: `recordings` inside DATA_DIR.',
    }),
    recordingLayout: setting({
      env: 'MEDIA_RECORDING_LAYOUT',
      schema: Type.Union([Type.Literal('stereo'), Type.Literal('mono')]),
      default: 'stereo',
      doc: '`stereo`: one WAV per call, customer left and agent right. `mono`: one WAV per leg.',
    }),
    recordingSampleRate: setting({
      env: 'MEDIA_RECORDING_SAMPLE_RATE',
      schema: Type.Integer({ minimum: 8000, maximum: 16000, multipleOf: 8000 }),
      default: 8000,
      doc: 'Sample rate of recordings (16-bit PCM WAV).',
    }),
    statsIntervalMs: setting({
      env: 'MEDIA_STATS_INTERVAL_MS',
      schema: Type.Integer({ minimum: 0, maximum: 600_000 }),
      default: 5000,
      doc: 'How often each leg publishes media.leg.stats; 0 only at close.',
    }),
    metricsHost: setting({
      env: 'MEDIA_METRICS_HOST',
      schema: Type.String({ minLength: 1 }),
      default: '127.0.0.1',
      doc: 'Address of the gateway\'s own HTTP endpoint (`/metrics`, `/health`) when it runs alone.',
    }),
    metricsPort: setting({
      env: 'MEDIA_METRICS_PORT',
      schema: Type.Integer({ minimum: 0, maximum: 65535 }),
      default: 9464,
      doc: 'Port of that endpoint; 0 turns it off. In the one-process start the API serves the gateway\'s metrics instead.',
    }),
    webrtcHost: setting({
      env: 'MEDIA_WEBRTC_HOST',
      schema: Type.String({ minLength: 1 }),
      optional: true,
      doc: 'Address offered to browsers as the WebRTC ICE candidate. Default: every local interface address.',
    }),
    webrtcPortMin: setting({
      env: 'MEDIA_WEBRTC_PORT_MIN',
      schema: Type.Integer({ minimum: 0, maximum: 65535 }),
      default: 0,
      doc: 'Lowest UDP port for WebRTC (ICE); 0 with MEDIA_WEBRTC_PORT_MAX 0 lets the system choose.',
    }),
    webrtcPortMax: setting({
      env: 'MEDIA_WEBRTC_PORT_MAX',
      schema: Type.Integer({ minimum: 0, maximum: 65535 }),
      default: 0,
      doc: 'Highest UDP port for WebRTC (ICE).',
    }),
    webrtcConnectTimeoutMs: setting({
      env: 'MEDIA_WEBRTC_CONNECT_TIMEOUT_MS',
      schema: Type.Integer({ minimum: 1000, maximum: 300_000 }),
      default: 30_000,
      doc: 'A browser session that does not connect (or stays disconnected) this long is closed.',
    }),
  },
  (v) => {
    const problems: { env: string; message: string }[] = [];
    if ((v.webrtcPortMin === 0) !== (v.webrtcPortMax === 0) || v.webrtcPortMin > v.webrtcPortMax) {
      problems.push({ env: 'MEDIA_WEBRTC_PORT_MIN', message: 'MEDIA_WEBRTC_PORT_MIN and MEDIA_WEBRTC_PORT_MAX must both be 0, or form a range' });
    }
    return problems;
  },
);

/** The gateway's parsed settings. */
export type MediaConfig = import('@dialer/core').SectionValues<(typeof mediaSection)['settings']>;
