// Phrases Whisper-family models produce from near-silence or noise (their training data's subtitles
// and sign-offs). An utterance whose whole transcript is one of these is dropped: a person rarely
// says only "Thank you." to Helix, and Helix answering a cough with "You're welcome!" is worse.
// @see https://github.com/openai/whisper/discussions/928

const KNOWN = [
  'thank you',
  'thank you very much',
  'thank you so much',
  'thanks',
  'thanks for watching',
  'thank you for watching',
  'thanks for watching and see you next time',
  'please subscribe',
  'like and subscribe',
  'subscribe to my channel',
  'you',
  'bye',
  'bye bye',
  'um',
  'uh',
  'hmm',
  'the end',
  'subtitles by the amara org community',
  'subtitles by',
  'transcribed by',
  'blank audio',
  'silence',
  'music',
  'applause',
  'laughter',
  'no speech',
  'inaudible',
  'foreign',
  '',
];

/** Lower case, bracket tags unwrapped, punctuation and repeated spaces dropped. */
export function normalizeTranscript(text: string): string {
  return text
    .toLowerCase()
    .replace(/[[\]()*♪♫_]/g, ' ')
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const KNOWN_SET = new Set(KNOWN.map(normalizeTranscript));

/** True when the whole transcript is a known near-silence hallucination (or nothing but punctuation and tags). */
export function isHallucination(text: string, extra: readonly string[] = []): boolean {
  const norm = normalizeTranscript(text);
  if (KNOWN_SET.has(norm)) return true;
  // "you you you", "Thank you. Thank you.": one known phrase repeated.
  for (const phrase of KNOWN_SET) {
    if (phrase && norm.replace(new RegExp(`\\b${phrase}\\b`, 'g'), '').trim() === '') return true;
  }
  return extra.some((p) => normalizeTranscript(p) === norm);
}
