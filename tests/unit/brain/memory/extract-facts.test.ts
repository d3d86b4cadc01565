import { describe, expect, test } from 'vitest';
import { extractFacts } from '../../../../brain/memory/extract-facts.ts';
import { extractiveSummary } from '../../../../brain/memory/summarise.ts';

describe('extractFacts (the deterministic fallback)', () => {
  test.each([
    ['I have a dog called Juno', [{ key: 'dog.name', text: 'has a dog called Juno' }]],
    ['i have a cat named Miso.', [{ key: 'cat.name', text: 'has a cat called Miso' }]],
    ["My dog's name is Juno", [{ key: 'dog.name', text: 'has a dog called Juno' }]],
    ['I start a new job on 3 March', [{ key: 'job.start', text: 'starts a new job on 3 March' }]],
    ["I'm starting my new job at Acme on 3 March, wish me luck", [{ key: 'job.start', text: 'starts a new job on 3 March' }]],
    ['I live in Lisbon', [{ key: 'home', text: 'lives in Lisbon' }]],
    ['I just moved to Porto and love it', [{ key: 'home', text: 'lives in Porto' }]],
    ['call me Ada', [{ key: 'name', text: 'prefers to be called Ada' }]],
    ['My name is Ada Lovelace.', [{ key: 'name', text: 'is called Ada Lovelace' }]],
    ['my favourite colour is teal', [{ key: 'favourite_colour', text: 'favourite colour is teal' }]],
    ['My birthday is 12 May', [{ key: 'birthday', text: 'birthday is 12 May' }]],
    ['I work at the lighthouse', [{ key: 'work.employer', text: 'works at the lighthouse' }]],
    ["I'm 34 years old", [{ key: 'age', text: 'is 34 years old' }]],
  ])('GIVEN "%s" THEN %j', (text, facts) => {
    expect(extractFacts(text)).toEqual(facts);
  });

  test('GIVEN two facts in one message THEN both are found', () => {
    expect(extractFacts('I live in Lisbon. I have a dog called Juno!')).toEqual([
      { key: 'home', text: 'lives in Lisbon' },
      { key: 'dog.name', text: 'has a dog called Juno' },
    ]);
  });

  test.each([['is my dog called Juno?'], ['what is my name?'], ['my bad'], ['my day is fine'], ['the weather is nice'], ['hello there']])('GIVEN "%s" THEN no fact', (text) => {
    expect(extractFacts(text)).toEqual([]);
  });
});

describe('extractiveSummary', () => {
  test('GIVEN a conversation THEN it keeps the sentences about its recurring topic, in order, and skips questions and chit-chat', () => {
    const summary = extractiveSummary(
      ['hi!', 'The garden project is taking all my weekends now.', 'How are you?', 'I planted tomatoes in the garden project beds.', 'lol', 'Tomatoes need sun, so the garden beds face south.', 'Random: my train was late today.'],
      2,
    );
    expect(summary).toBe('I planted tomatoes in the garden project beds. Tomatoes need sun, so the garden beds face south.');
  });

  test('GIVEN the same messages twice THEN the summary is the same (deterministic)', () => {
    const msgs = ['We went hiking in the Alps last week.', 'The Alps hike was long but beautiful.', 'Next year we want to hike the Pyrenees.'];
    expect(extractiveSummary(msgs, 2)).toBe(extractiveSummary(msgs, 2));
  });
});

describe('extractFacts names', () => {
  test.each([
    ['I have a dog called Juno and she loves the beach', 'has a dog called Juno'],
    ['i have a dog called juno', 'has a dog called juno'],
    ['My dog is called Juno Bean', 'has a dog called Juno Bean'],
  ])('GIVEN "%s" THEN the name stops at the name', (text, fact) => {
    expect(extractFacts(text)[0]?.text).toBe(fact);
  });
});
