import vader from 'vader-sentiment';
import type { Appraisal } from '../../identity/index.ts';

/** Longest text handed to VADER: it is linear in words, and the opening of a long message carries its tone. */
const MAX_CHARS = 2_000;

/**
 * Appraises one message offline with VADER (a lexicon and rules tuned for social-media text):
 * valence is VADER's compound score; arousal grows with how much of the text is emotional at all,
 * with exclamation marks and with shouting (a run of capitals).
 * @see https://github.com/cjhutto/vaderSentiment#about-the-scoring
 */
export function appraiseText(text: string): Appraisal {
  const t = text.slice(0, MAX_CHARS);
  if (!t.trim()) return { valence: 0, arousal: 0 };
  const s = vader.SentimentIntensityAnalyzer.polarity_scores(t);
  const bangs = Math.min(3, (t.match(/!/g) ?? []).length);
  const letters = t.replace(/[^A-Za-z]/g, '');
  const shouting = letters.length >= 4 && letters.replace(/[^A-Z]/g, '').length / letters.length > 0.6 ? 0.25 : 0;
  const arousal = Math.min(1, (s.pos + s.neg) * 1.2 + Math.abs(s.compound) * 0.3 + bangs * 0.1 + shouting);
  return { valence: Math.max(-1, Math.min(1, s.compound)), arousal };
}
