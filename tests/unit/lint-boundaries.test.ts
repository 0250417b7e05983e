// The folder boundaries and the no-cycle rule hold only if the lint fails on a
// breach: each fixture breaks one rule on purpose and must fail with exactly
// that rule, through the project's own eslint.config.mjs.
import { ESLint } from 'eslint';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const fixtures = join(root, 'tests', 'lint', 'fixtures');

type Expected = { rule: string; says: string } | 'clean';
const imports = (says: string): Expected => ({ rule: 'no-restricted-imports', says });
const importForm = (says: string): Expected => ({ rule: 'no-restricted-syntax', says });
const cycle: Expected = { rule: 'import-x/no-cycle', says: 'Dependency cycle' };

const EXPECTED: Record<string, Expected> = {
  'src-renderer/node-builtin.ts': imports('src-renderer runs without Node'),
  'src-renderer/bare-node-builtin.vue': imports('src-renderer runs without Node'),
  'src-renderer/imports-main.ts': imports('The renderer talks only to the IPC contract'),
  'src-renderer/imports-service-dynamically.ts': importForm('The renderer talks only to the IPC contract'),
  'src-renderer/clean-shared-only.ts': 'clean',
  // through a component: .vue files are followed too
  'src-renderer/cycle/store.ts': cycle,
  'src-renderer/cycle/Panel.vue': cycle,
  'src-shared/node-builtin.ts': imports('src-shared runs without Node'),
  'src-shared/node-type-import.ts': importForm('src-shared runs without Node'),
  'src-shared/imports-service.ts': imports('src-shared is loaded by every process'),
  'src-shared/cycle/a.ts': cycle,
  'src-shared/cycle/b.ts': cycle,
  'src-shared/clean-own-folder.ts': 'clean',
  'src-service/imports-main.ts': imports('The settlement service is the bank'),
  'src-service/imports-commands.ts': imports('The command lines (src-service/commands) use the domain'),
  'src-main/imports-service-internal.ts': imports('src-main reaches the service over HTTP'),
  'src-token/imports-main.ts': imports('src-token is used by the desktop and the bank alike'),
  'src-market-sim/imports-service.ts': imports('The market simulator is a market’s system'),
  'src-market-sim/clean-shared-only.ts': 'clean',
};

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return fixtureFiles(path);
    return /\.(ts|vue)$/.test(entry.name) ? [relative(fixtures, path).split('\\').join('/')] : [];
  });
}

describe('npm run lint fails on a forbidden import or an import cycle', () => {
  const results = new Map<string, ESLint.LintResult>();

  beforeAll(async () => {
    // ignore: false, because the normal lint ignores the fixtures (they are wrong on purpose).
    const eslint = new ESLint({ cwd: root, ignore: false });
    for (const result of await eslint.lintFiles(Object.keys(EXPECTED).map((f) => join(fixtures, f))))
      results.set(relative(fixtures, result.filePath).split('\\').join('/'), result);
  }, 120_000);

  it('has an expectation for every fixture', () => {
    expect(fixtureFiles(fixtures).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(expected === 'clean' ? `${file} passes` : `${file} fails with ${expected.rule}`, () => {
      const messages = results.get(file)!.messages.map((m) => ({ rule: m.ruleId, message: m.message }));
      if (expected === 'clean') {
        expect(messages).toEqual([]);
        return;
      }
      // Only the rule the fixture is about: a fixture failing for another reason proves nothing.
      expect(messages.length).toBeGreaterThan(0);
      for (const m of messages) expect(m.rule, m.message).toBe(expected.rule);
      expect(
        messages.some((m) => m.message.includes(expected.says)),
        JSON.stringify(messages),
      ).toBe(true);
    });
  }

  it('the normal lint leaves the fixtures out', async () => {
    const eslint = new ESLint({ cwd: root });
    for (const file of Object.keys(EXPECTED)) expect(await eslint.isPathIgnored(join(fixtures, file))).toBe(true);
  });
});
