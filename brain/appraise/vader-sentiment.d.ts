// vader-sentiment 1.1.3 ships no types; this is the one call Helix uses.
declare module 'vader-sentiment' {
  /** VADER scores of a text: the shares of negative, neutral and positive words, and `compound` in -1..1. */
  export interface PolarityScores {
    neg: number;
    neu: number;
    pos: number;
    compound: number;
  }
  export const SentimentIntensityAnalyzer: { polarity_scores(text: string): PolarityScores };
  const vader: { SentimentIntensityAnalyzer: typeof SentimentIntensityAnalyzer };
  export default vader;
}
