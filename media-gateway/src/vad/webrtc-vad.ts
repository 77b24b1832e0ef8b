// The WebRTC VAD (libfvad, compiled to WebAssembly by @ozymandiasthegreat/vad),
// driven directly through its C exports: one module instance per process, one
// fvad handle and one frame buffer inside WASM memory per leg, so classifying
// a frame is one copy and one call, with no allocation.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Vad, VadEngine, VadOptions } from '@dialer/core';
import { vadFrameSamples } from '@dialer/core';

// Node has WebAssembly; the project's TypeScript libs do not declare it.
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

interface FvadExports {
  memory: { buffer: ArrayBuffer };
  fvad_new(): number;
  fvad_free(handle: number): void;
  fvad_reset(handle: number): void;
  fvad_set_mode(handle: number, mode: number): number;
  fvad_set_sample_rate(handle: number, rate: number): number;
  fvad_process(handle: number, frame: number, length: number): number;
  malloc(bytes: number): number;
  free(ptr: number): void;
  _initialize?(): void;
}

let shared: FvadExports | undefined;

function load(): FvadExports {
  if (shared) return shared;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@ozymandiasthegreat/vad/dist/libfvad.wasm');
  const instance = new Wasm.Instance(new Wasm.Module(readFileSync(file)), {});
  const exports = instance.exports as unknown as FvadExports;
  exports._initialize?.();
  shared = exports;
  return exports;
}

class WebRtcVad implements Vad {
  readonly sampleRate: number;
  readonly frameSamples: number;
  private handle: number;
  private readonly ptr: number;
  private view: Int16Array;
  private readonly mode: number;

  constructor(
    private readonly fvad: FvadExports,
    options: VadOptions,
  ) {
    this.sampleRate = options.sampleRate;
    this.mode = options.aggressiveness;
    this.frameSamples = vadFrameSamples(options.sampleRate, options.frameMs ?? 20);
    this.handle = fvad.fvad_new();
    if (!this.handle) throw new Error('libfvad: out of memory');
    if (fvad.fvad_set_mode(this.handle, options.aggressiveness) < 0 || fvad.fvad_set_sample_rate(this.handle, options.sampleRate) < 0) {
      fvad.fvad_free(this.handle);
      throw new RangeError(`libfvad: unsupported mode ${options.aggressiveness} or rate ${options.sampleRate}`);
    }
    this.ptr = fvad.malloc(this.frameSamples * 2);
    this.view = new Int16Array(fvad.memory.buffer, this.ptr, this.frameSamples);
  }

  isSpeech(frame: Int16Array): boolean {
    if (!this.handle) return false;
    // A grown WASM memory detaches old views.
    if (this.view.byteLength === 0) this.view = new Int16Array(this.fvad.memory.buffer, this.ptr, this.frameSamples);
    this.view.set(frame.length === this.frameSamples ? frame : frame.subarray(0, this.frameSamples));
    return this.fvad.fvad_process(this.handle, this.ptr, this.frameSamples) === 1;
  }

  reset(): void {
    if (!this.handle) return;
    // fvad_reset also restores the default mode and rate.
    this.fvad.fvad_reset(this.handle);
    this.fvad.fvad_set_mode(this.handle, this.mode);
    this.fvad.fvad_set_sample_rate(this.handle, this.sampleRate);
  }

  close(): void {
    if (!this.handle) return;
    this.fvad.fvad_free(this.handle);
    this.fvad.free(this.ptr);
    this.handle = 0;
  }
}

/** The WebRTC VAD engine (libfvad in WebAssembly). */
export function createWebRtcVadEngine(): VadEngine {
  const fvad = load();
  return { name: 'webrtc', create: (options) => new WebRtcVad(fvad, options) };
}
