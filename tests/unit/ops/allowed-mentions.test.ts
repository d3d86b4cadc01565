// The Discord bot's side of role pings: a reply's mentionRoles become allowed_mentions.roles, nothing else pings.
import { describe, expect, test } from 'vitest';
import { allowedMentions } from '../../../bots/discord/message-poster.ts';
import { renderReply } from '../../../bots/discord/render.ts';

describe('discord allowed mentions for ops role pings', () => {
  test('GIVEN a reply with mentionRoles THEN its messages allow exactly those roles (and users), never @everyone', () => {
    const [m] = renderReply({ parts: ['<@&123456789012345678> critical incident'], embeds: [], buttons: [], mentionRoles: ['123456789012345678'] });
    expect(allowedMentions(m!)).toEqual({ parse: ['users'], replied_user: true, roles: ['123456789012345678'] });
  });
  test('GIVEN a reply without mentionRoles THEN only users may be pinged', () => {
    const [m] = renderReply({ parts: ['@everyone hi'], embeds: [], buttons: [] });
    expect(allowedMentions(m!)).toEqual({ parse: ['users'], replied_user: true });
  });
});
