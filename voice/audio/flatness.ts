// Spectral flatness of one frame: how noise-like it is. WebRTC VAD calls steady white noise at a
// moderate level "speech" (it is loud and broadband); voiced speech has harmonics, so its spectrum is
// peaky (flatness ~0.05-0.3) while white noise's periodogram sits near e^-γ ≈ 0.56.

const N = 512;
const COS = new Float64Array(N / 2);
const SIN = new Float64Array(N / 2);
for (let i = 0; i < N / 2; i++) {
  COS[i] = Math.cos((2 * Math.PI * i) / N);
  SIN[i] = -Math.sin((2 * Math.PI * i) / N);
}
const HANN = new Float64Array(N);
const re = new Float64Array(N);
const im = new Float64Array(N);

/**
 * Geometric over arithmetic mean of the power spectrum between `lowHz` and `highHz` (0 = tonal, 1 = white).
 * The frame (up to 512 samples) is Hann-windowed and zero-padded.
 */
export function spectralFlatness(frame: Int16Array, sampleRate: number, lowHz = 250, highHz = 4_000): number {
  const len = Math.min(frame.length, N);
  if (lastLen !== len) fillHann(len);
  for (let i = 0; i < N; i++) {
    re[i] = i < len ? frame[i]! * HANN[i]! : 0;
    im[i] = 0;
  }
  fft(re, im);
  const lo = Math.max(1, Math.floor((lowHz * N) / sampleRate));
  const hi = Math.min(N / 2 - 1, Math.ceil((highHz * N) / sampleRate));
  let logSum = 0;
  let sum = 0;
  for (let k = lo; k <= hi; k++) {
    const p = re[k]! * re[k]! + im[k]! * im[k]! + 1e-3;
    logSum += Math.log(p);
    sum += p;
  }
  const count = hi - lo + 1;
  return Math.exp(logSum / count) / (sum / count);
}

let lastLen = -1;
function fillHann(len: number): void {
  HANN.fill(0);
  for (let i = 0; i < len; i++) HANN[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (len - 1));
  lastLen = len;
}

const REV = new Uint16Array(N);
for (let i = 0, bits = Math.log2(N); i < N; i++) {
  let r = 0;
  for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
  REV[i] = r;
}

/** In-place radix-2 complex FFT of length N (temporaries, not destructuring: this runs per 20 ms frame). */
function fft(xr: Float64Array, xi: Float64Array): void {
  for (let i = 0; i < N; i++) {
    const j = REV[i]!;
    if (i < j) {
      const tr = xr[i]!;
      xr[i] = xr[j]!;
      xr[j] = tr;
      const ti = xi[i]!;
      xi[i] = xi[j]!;
      xi[j] = ti;
    }
  }
  for (let size = 2; size <= N; size <<= 1) {
    const half = size >> 1;
    const stride = N / size;
    for (let start = 0; start < N; start += size) {
      for (let k = 0; k < half; k++) {
        const c = COS[k * stride]!;
        const s = SIN[k * stride]!;
        const a = start + k;
        const b = a + half;
        const tr = xr[b]! * c - xi[b]! * s;
        const ti = xr[b]! * s + xi[b]! * c;
        xr[b] = xr[a]! - tr;
        xi[b] = xi[a]! - ti;
        xr[a] = xr[a]! + tr;
        xi[a] = xi[a]! + ti;
      }
    }
  }
}
