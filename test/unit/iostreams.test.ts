// The colour rules, for stdout as for stderr: colour only on a terminal, never with NO_COLOR, TERM=dumb
// or --no-color; --color forces it on both; FORCE_COLOR forces messages (stderr) but never colours what a
// pipe or a file receives on stdout. (cli.test.ts checks the same on a real terminal.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { processStreams, programName, wantsColor, wantsColorOut } from '../../src/cli/output/iostreams.ts';

describe('colour', () => {
  const cases: [string, string[], NodeJS.ProcessEnv, boolean, { err: boolean; out: boolean }][] = [
    ['a terminal', [], {}, true, { err: true, out: true }],
    ['a pipe', [], {}, false, { err: false, out: false }],
    ['NO_COLOR on a terminal', [], { NO_COLOR: '1' }, true, { err: false, out: false }],
    ['an empty NO_COLOR is unset', [], { NO_COLOR: '' }, true, { err: true, out: true }],
    ['TERM=dumb', [], { TERM: 'dumb' }, true, { err: false, out: false }],
    ['--no-color on a terminal', ['--no-color'], {}, true, { err: false, out: false }],
    ['--color into a pipe', ['--color'], {}, false, { err: true, out: true }],
    ['--color, then --no-color', ['--color', '--no-color'], {}, true, { err: false, out: false }],
    ['--no-color, then --color', ['--no-color', '--color'], { NO_COLOR: '1' }, false, { err: true, out: true }],
    ['FORCE_COLOR into a pipe', [], { FORCE_COLOR: '1' }, false, { err: true, out: false }],
    ['FORCE_COLOR=0 on a terminal', [], { FORCE_COLOR: '0' }, true, { err: false, out: false }],
    ['--color after -- is a word, not a flag', ['__complete', '2', '--', 'pachsvc', '--color'], {}, false, { err: false, out: false }],
  ];
  for (const [what, argv, env, tty, want] of cases) {
    test(what, () => {
      assert.deepEqual({ err: wantsColor(argv, env, tty), out: wantsColorOut(argv, env, tty) }, want);
    });
  }
});

describe('the program name', () => {
  test('pachsvc, or what PACHSVC_PROGRAM says (kubectl pachsvc, as the plugin sets it)', async () => {
    assert.equal(programName(await processStreams([], {})), 'pachsvc');
    assert.equal(programName(await processStreams([], { PACHSVC_PROGRAM: 'kubectl pachsvc' })), 'kubectl pachsvc');
    assert.equal((await processStreams(['list', '--', '-v'], {})).verbose, false);
    assert.equal((await processStreams(['list', '-v'], {})).verbose, true);
  });
});
