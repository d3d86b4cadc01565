import { describe, expect, test } from 'vitest';
import { isHallucination } from '../../../voice/stt/hallucinations.ts';

describe('isHallucination', () => {
  test.each(['Thank you.', ' thank you very much!', 'Thanks for watching!', 'you', 'Bye.', '[BLANK_AUDIO]', '(silence)', '♪♪', 'Thank you. Thank you.', '...', 'Subtitles by the Amara.org community'])(
    'GIVEN %j as the whole transcript THEN it is dropped',
    (t) => expect(isHallucination(t)).toBe(true),
  );
  test.each(['Thank you for the help with my code.', 'What time is it?', 'You are great', 'bye for now, see you tomorrow', 'Helix, thanks'])('GIVEN %j THEN it is kept', (t) => expect(isHallucination(t)).toBe(false));
  test('GIVEN extra phrases THEN they are dropped too', () => {
    expect(isHallucination('Untertitel im Auftrag des ZDF', ['untertitel im auftrag des zdf'])).toBe(true);
  });
});
