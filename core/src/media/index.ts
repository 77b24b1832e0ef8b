// The media area of core: pure, allocation-free audio processors that the
// media gateway (and any other area) can reuse, and the media ports.
export {
  ULAW_TO_LINEAR,
  ALAW_TO_LINEAR,
  LINEAR_TO_ULAW,
  LINEAR_TO_ALAW,
  ULAW_SILENCE,
  ALAW_SILENCE,
  decodeUlaw,
  decodeAlaw,
  encodeUlaw,
  encodeAlaw,
} from './g711.js';
export { decodeS16BE, encodeS16BE, decodeS16LE, encodeS16LE } from './pcm.js';
export {
  RTP_HEADER_BYTES,
  RTP_MAX_PACKET_BYTES,
  RtpParse,
  RTP_PARSE_REASONS,
  createRtpHeader,
  parseRtp,
  writeRtp,
  rtpByteLength,
  seqDelta,
  tsDelta,
  type RtpHeader,
  type RtpParseResult,
  type RtpWriteHeader,
} from './rtp.js';
export { JitterBuffer, JitterPush, RtpReceiveStats, type JitterOutput, type JitterOptions, type JitterPushResult } from './jitter.js';
export { Resampler, SUPPORTED_RATES, designLowPass, type ResamplerOptions } from './resample.js';
export { EnergyVad, energyVadEngine, vadFrameSamples, type Vad, type VadEngine, type VadOptions, type VadAggressiveness } from './vad.js';
export { SpeechSegmenter, SegmentAction, type SegmenterOptions } from './segmenter.js';
export { busEventSink, teeEventSink, type MediaEventSink } from './sink.js';
