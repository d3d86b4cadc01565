// Types for @echogarden/fvad-wasm 0.2.0, which ships none: an Emscripten factory over libfvad.
// @see https://github.com/dpirch/libfvad/blob/master/include/fvad.h
declare module '@echogarden/fvad-wasm' {
  export interface FvadModule {
    _fvad_new(): number;
    _fvad_free(handle: number): void;
    _fvad_reset(handle: number): void;
    /** 0..3; returns 0 or -1 on an invalid mode. */
    _fvad_set_mode(handle: number, mode: number): number;
    /** 8000, 16000, 32000 or 48000; returns 0 or -1. */
    _fvad_set_sample_rate(handle: number, rate: number): number;
    /** A 10, 20 or 30 ms frame of int16 samples at `ptr`: 1 voice, 0 none, -1 invalid length. */
    _fvad_process(handle: number, ptr: number, length: number): number;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    HEAP16: Int16Array;
  }
  const fvad: (moduleArg?: object) => Promise<FvadModule>;
  export default fvad;
}
