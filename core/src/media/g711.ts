// G.711 u-law and A-law through lookup tables (ITU-T G.711, the Sun reference
// algorithm). Decoding is one 256-entry table; encoding is one table indexed by
// the top bits of the linear sample (14 bits for u-law, 13 for A-law), so the
// hot path is a shift and a load per sample.

const BIAS = 0x84;
const CLIP = 8159;
const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(value: number, table: readonly number[]): number {
  for (let i = 0; i < table.length; i++) if (value <= table[i]!) return i;
  return table.length;
}

function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? BIAS - t : t - BIAS;
}

function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

/** Encodes a 14-bit (already shifted) sample to u-law. */
function linear14ToUlaw(value14: number): number {
  let v = value14;
  let mask: number;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  } else {
    mask = 0xff;
  }
  if (v > CLIP) v = CLIP;
  v += BIAS >> 2;
  const seg = segment(v, SEG_UEND);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

/** Encodes a 13-bit (already shifted) sample to A-law. */
function linear13ToAlaw(value13: number): number {
  let v = value13;
  let mask: number;
  if (v >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segment(v, SEG_AEND);
  if (seg >= 8) return 0x7f ^ mask;
  let a = seg << 4;
  a |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return a ^ mask;
}

/** u-law code to 16-bit linear sample. */
export const ULAW_TO_LINEAR = new Int16Array(256);
/** A-law code to 16-bit linear sample. */
export const ALAW_TO_LINEAR = new Int16Array(256);
/** 16-bit sample `s` encodes to `LINEAR_TO_ULAW[(s >> 2) & 0x3fff]`. */
export const LINEAR_TO_ULAW = new Uint8Array(1 << 14);
/** 16-bit sample `s` encodes to `LINEAR_TO_ALAW[(s >> 3) & 0x1fff]`. */
export const LINEAR_TO_ALAW = new Uint8Array(1 << 13);

for (let c = 0; c < 256; c++) {
  ULAW_TO_LINEAR[c] = ulawToLinear(c);
  ALAW_TO_LINEAR[c] = alawToLinear(c);
}
for (let i = 0; i < 1 << 14; i++) LINEAR_TO_ULAW[i] = linear14ToUlaw((i << 18) >> 18);
for (let i = 0; i < 1 << 13; i++) LINEAR_TO_ALAW[i] = linear13ToAlaw((i << 19) >> 19);

/** The u-law code of digital silence. */
export const ULAW_SILENCE = 0xff;
/** The A-law code of (near) digital silence. */
export const ALAW_SILENCE = 0xd5;

/** Decodes `n` u-law bytes from `src` (starting at `srcOffset`) into `dst` at `dstOffset`. */
export function decodeUlaw(src: Uint8Array, srcOffset: number, n: number, dst: Int16Array, dstOffset = 0): void {
  for (let i = 0; i < n; i++) dst[dstOffset + i] = ULAW_TO_LINEAR[src[srcOffset + i]!]!;
}

/** Decodes `n` A-law bytes from `src` (starting at `srcOffset`) into `dst` at `dstOffset`. */
export function decodeAlaw(src: Uint8Array, srcOffset: number, n: number, dst: Int16Array, dstOffset = 0): void {
  for (let i = 0; i < n; i++) dst[dstOffset + i] = ALAW_TO_LINEAR[src[srcOffset + i]!]!;
}

/** Encodes `n` linear samples from `src` to u-law into `dst` at `dstOffset`. */
export function encodeUlaw(src: Int16Array, srcOffset: number, n: number, dst: Uint8Array, dstOffset = 0): void {
  for (let i = 0; i < n; i++) dst[dstOffset + i] = LINEAR_TO_ULAW[(src[srcOffset + i]! >> 2) & 0x3fff]!;
}

/** Encodes `n` linear samples from `src` to A-law into `dst` at `dstOffset`. */
export function encodeAlaw(src: Int16Array, srcOffset: number, n: number, dst: Uint8Array, dstOffset = 0): void {
  for (let i = 0; i < n; i++) dst[dstOffset + i] = LINEAR_TO_ALAW[(src[srcOffset + i]! >> 3) & 0x1fff]!;
}
