// 16-bit PCM byte orders: Asterisk's slin16 on RTP is big-endian (network
// order); speech-to-text `linear16` and WAV are little-endian.

/** Reads `n` big-endian samples from `src` at byte `offset` into `dst`. */
export function decodeS16BE(src: Uint8Array, offset: number, n: number, dst: Int16Array, dstOffset = 0): void {
  for (let i = 0, o = offset; i < n; i++, o += 2) dst[dstOffset + i] = ((src[o]! << 24) | (src[o + 1]! << 16)) >> 16;
}

/** Writes `n` samples from `src` as big-endian bytes into `dst` at byte `offset`. */
export function encodeS16BE(src: Int16Array, srcOffset: number, n: number, dst: Uint8Array, offset = 0): void {
  for (let i = 0, o = offset; i < n; i++, o += 2) {
    const s = src[srcOffset + i]!;
    dst[o] = (s >> 8) & 0xff;
    dst[o + 1] = s & 0xff;
  }
}

/** Reads `n` little-endian samples from `src` at byte `offset` into `dst`. */
export function decodeS16LE(src: Uint8Array, offset: number, n: number, dst: Int16Array, dstOffset = 0): void {
  for (let i = 0, o = offset; i < n; i++, o += 2) dst[dstOffset + i] = ((src[o + 1]! << 24) | (src[o]! << 16)) >> 16;
}

/** Writes `n` samples from `src` as little-endian bytes into `dst` at byte `offset`. */
export function encodeS16LE(src: Int16Array, srcOffset: number, n: number, dst: Uint8Array, offset = 0): void {
  for (let i = 0, o = offset; i < n; i++, o += 2) {
    const s = src[srcOffset + i]!;
    dst[o] = s & 0xff;
    dst[o + 1] = (s >> 8) & 0xff;
  }
}
