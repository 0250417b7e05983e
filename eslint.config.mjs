import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Money is integer fen: parseFloat and toFixed have no place near it. Kept in a constant because the
// boundary blocks below set no-restricted-syntax again (for import() forms), which replaces, not adds.
const MONEY_SYNTAX = [
  {
    selector: "CallExpression[callee.property.name='toFixed']",
    message: 'Money is integer fen: format with formatFen, never toFixed.',
  },
];

// ---- Folder boundaries (README, "What may import what") -------------------------------------------
// Imports are relative paths, so a folder is recognised by its name as a path segment of the specifier.
// The lint fixtures (tests/lint/fixtures/<folder>/…) get the same rules as the folder they mirror; the
// normal lint ignores them, tests/unit/lint-boundaries.test.ts lints them and expects each to fail.
const FIXTURES = 'tests/lint/fixtures';
const PROJECT_FOLDERS = [
  'src-main',
  'src-renderer',
  'src-service',
  'src-shared',
  'src-token',
  'src-market-sim',
  'resources',
  'tests',
  'scripts',
  'bench',
];

const segment = (names) => `(^|[/])(${names.join('|')})([/]|$)`;
const NODE_BUILTINS = `^(node:|(${builtinModules
  .filter((m) => !m.startsWith('_'))
  .map((m) => m.replace('/', '[/]'))
  .join('|')})([/]|$))`;

/**
 * One block per folder: what its files may not import, statically (no-restricted-imports) or as an
 * import() expression or import('…') type (no-restricted-syntax, which no-restricted-imports does not see).
 */
function boundary({ folder, files, ignores = [], mayImport, node, electron = false, also = [], why }) {
  const forbidden = [
    { regex: segment(PROJECT_FOLDERS.filter((f) => !mayImport.includes(f))), message: why },
    ...(node ? [] : [{ regex: NODE_BUILTINS, message: `${folder} runs without Node: no Node built-in modules.` }]),
    ...(electron
      ? []
      : [
          {
            regex: '^electron([/]|$)',
            message: 'Only src-main (the Electron main process and preload) imports electron.',
          },
        ]),
    ...also,
  ];
  const mirror = (globs) => globs.flatMap((g) => [g, `${FIXTURES}/${g}`]);
  return {
    files: mirror(files),
    ignores: mirror(ignores),
    rules: {
      'no-restricted-imports': ['error', { patterns: forbidden.map(({ regex, message }) => ({ regex, message })) }],
      'no-restricted-syntax': [
        'error',
        ...MONEY_SYNTAX,
        ...forbidden.flatMap(({ regex, message }) => [
          { selector: `ImportExpression[source.value=/${regex}/]`, message },
          { selector: `TSImportType[source.value=/${regex}/]`, message },
        ]),
      ],
    },
  };
}

const boundaries = [
  boundary({
    folder: 'src-shared',
    files: ['src-shared/**/*.ts'],
    mayImport: ['src-shared'],
    node: false,
    why: 'src-shared is loaded by every process, the renderer included: it imports nothing of the other folders.',
  }),
  boundary({
    folder: 'src-renderer',
    files: ['src-renderer/**/*.{ts,vue}'],
    mayImport: ['src-renderer', 'src-shared', 'resources'],
    node: false,
    why: 'The renderer talks only to the IPC contract: it may import src-shared (and resources), never src-main, src-service or src-token.',
  }),
  boundary({
    folder: 'src-main',
    files: ['src-main/**/*.ts'],
    mayImport: ['src-main', 'src-shared', 'src-token'],
    node: true,
    electron: true,
    why: 'src-main reaches the service over HTTP (contract in src-shared) and starts it by path: no imports of src-service, the renderer or the market simulator.',
  }),
  boundary({
    folder: 'src-token',
    files: ['src-token/**/*.ts'],
    mayImport: ['src-token', 'src-shared'],
    node: true,
    why: 'src-token is used by the desktop and the bank alike: it may import only src-shared.',
  }),
  boundary({
    folder: 'src-service',
    files: ['src-service/**/*.ts'],
    ignores: ['src-service/commands/**'],
    mayImport: ['src-service', 'src-shared', 'src-token'],
    node: true,
    also: [
      {
        regex: segment(['commands']),
        message: 'The command lines (src-service/commands) use the domain, never the other way round.',
      },
    ],
    why: 'The settlement service is the bank’s: it may import src-shared and src-token, never src-main, the renderer or the market simulator.',
  }),
  boundary({
    folder: 'src-service/commands',
    files: ['src-service/commands/**/*.ts'],
    mayImport: ['src-service', 'src-shared', 'src-token'],
    node: true,
    why: 'The service’s command lines may import the service, src-shared and src-token, never src-main or the renderer.',
  }),
  boundary({
    folder: 'src-market-sim',
    files: ['src-market-sim/**/*.ts'],
    mayImport: ['src-market-sim', 'src-shared'],
    node: true,
    why: 'The market simulator is a market’s system: it reaches the bank only through the market API and may import only src-shared.',
  }),
];

// ---- Import cycles -----------------------------------------------------------------------------------
// A cycle makes module initialisation order matter and hides a layering mistake. Type-only imports do not
// count (they vanish at run time). The resolver reads only our own files (ignoreExternal), which keeps the
// whole-tree lint quick.
const cycles = {
  files: ['src-*/**/*.{ts,vue}', `${FIXTURES}/src-*/**/*.{ts,vue}`],
  plugins: { 'import-x': importX },
  settings: {
    'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mts', '.vue', '.js', '.mjs', '.json'] })],
    'import-x/extensions': ['.ts', '.mts', '.vue', '.js', '.mjs'],
    'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'], 'vue-eslint-parser': ['.vue'] },
  },
  rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
};

export default tseslint.config(
  {
    ignores: [
      '.tmp/**',
      'dist/**',
      '.vite/**',
      'out/**',
      'node_modules/**',
      'test-results/**',
      'artifacts/**',
      'coverage/**',
      `${FIXTURES}/**`,
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    // A .vue module reached from a .ts file is parsed (by import-x/no-cycle) with the .ts file's parser
    // options: vue-eslint-parser needs to be told its script is TypeScript there too.
    files: ['src-renderer/**/*.ts', `${FIXTURES}/src-renderer/**/*.ts`],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['src-renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: [
      'src-main/**/*.ts',
      'src-service/**/*.ts',
      'src-token/**/*.ts',
      'src-market-sim/**/*.ts',
      'scripts/**/*.{js,mjs}',
      'tests/**/*.ts',
      'bench/**/*.ts',
      '*.{ts,mts,mjs}',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Migrations see the schema as it was, and tests read untyped JSON replies.
      '@typescript-eslint/no-explicit-any': 'off',
      'vue/multi-word-component-names': 'off',
      'no-restricted-globals': ['error', { name: 'parseFloat', message: 'Money is integer fen: use parseYuan.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Number', property: 'parseFloat', message: 'Money is integer fen: use parseYuan.' },
      ],
      'no-restricted-syntax': ['error', ...MONEY_SYNTAX],
    },
  },
  ...boundaries,
  cycles,
  {
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-empty-object-type': 'off', 'no-empty-pattern': 'off' },
  },
  prettier,
);
