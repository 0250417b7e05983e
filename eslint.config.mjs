import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
    files: ['src-renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: [
      'src-main/**/*.ts',
      'src-service/**/*.ts',
      'src-token/**/*.ts',
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
      // Money is integer fen: parseFloat and toFixed have no place near it.
      'no-restricted-globals': ['error', { name: 'parseFloat', message: 'Money is integer fen: use parseYuan.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Number', property: 'parseFloat', message: 'Money is integer fen: use parseYuan.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='toFixed']",
          message: 'Money is integer fen: format with formatFen, never toFixed.',
        },
      ],
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-empty-object-type': 'off', 'no-empty-pattern': 'off' },
  },
  prettier,
);
