// Import boundaries from ../shared/ARCHITECTURE.md ("Folders": who may import whom).
// One table; each row becomes a forbidden rule: a folder importing any of our folders not listed.
const OURS = ['mesh', 'config', 'store', 'identity', 'brain', 'bots', 'voice', 'ops', 'supervisor', 'bench', 'tests'];
const MAY_IMPORT = {
  mesh: [],
  config: ['mesh'],
  store: ['mesh', 'config'],
  identity: ['mesh', 'config', 'store'],
  brain: ['mesh', 'config', 'identity', 'store'],
  voice: ['mesh', 'config'],
  ops: ['mesh', 'config', 'store'],
  supervisor: ['mesh', 'config'],
};

const rules = Object.entries(MAY_IMPORT).map(([from, allowed]) => ({
  name: `${from}-imports`,
  comment: `${from}/ may import only ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (ARCHITECTURE.md).`,
  severity: 'error',
  from: { path: `^${from}/` },
  to: { path: `^(${OURS.filter((f) => f !== from && !allowed.includes(f)).join('|')})/` },
}));

// Bots: each platform is its own process; a bot imports mesh/ and config/ (bots/discord also voice/),
// never the brain, ops, the store, or another bot.
rules.push({
  name: 'bots-imports',
  comment: 'bots/<platform>/ may import only mesh/ and config/ (bots/discord also voice/); never brain/ (ARCHITECTURE.md).',
  severity: 'error',
  from: { path: '^bots/(?!discord/)[^/]+/' },
  to: { path: '^(store|identity|brain|voice|ops|supervisor|bench|tests)/' },
});
rules.push({
  name: 'bots-discord-imports',
  comment: 'bots/discord/ may import mesh/, config/ and voice/ only (ARCHITECTURE.md).',
  severity: 'error',
  from: { path: '^bots/discord/' },
  to: { path: '^(store|identity|brain|ops|supervisor|bench|tests)/' },
});
rules.push({
  name: 'bots-not-each-other',
  comment: 'A bot never imports another bot: each runs, scales and is replaced on its own.',
  severity: 'error',
  from: { path: '^bots/([^/]+)/' },
  to: { path: '^bots/', pathNot: '^bots/$1/' },
});
rules.push({
  name: 'no-circular',
  severity: 'error',
  from: {},
  to: { circular: true },
});

module.exports = {
  forbidden: rules,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};
