import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/** Core folders: plain Node, shared by the CLI, browser mode and the app. */
const coreFolders = ['store', 'ffmpeg', 'home', 'library', 'analysis', 'similarity', 'clusters'];
const onlyElectronShell = {
  regex: '^electron(/|$)',
  message: 'Only src/main/electron and src/preload may import electron: the core also runs in plain Node.',
};
const coreStaysCore = {
  regex: '(^|/)(api|cli|browser|electron)(/|\\.ts|$)',
  message: 'A core folder does not import the API, the CLI or a shell (browser, electron): they import it.',
};
const mainWithoutPreload = {
  regex: '(^|/)preload(/|$)',
  message: 'src/main never imports the preload: what both sides share is in src/shared/wire.ts.',
};
const sharedStandsAlone = {
  regex: '(^|/)(main|preload|renderer)(/|$)',
  message: 'src/shared is imported by every process and imports none of them.',
};
const libraryBeforeAnalysis = {
  regex: '(^|/)analysis(/|$)',
  message: 'library/ comes before analysis/ in the flow: the analysis reads the catalog, not the reverse.',
};

/** One config block forbidding `patterns` in `files`. */
function layer(files, patterns, ignores = []) {
  return [{ files, ignores, rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'bench/.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // The layering (docs/architecture.md). A later block for the same files replaces an earlier
  // block's list (rule options do not merge), so each list is whole.
  ...layer(['src/renderer/**/*.{ts,tsx}'], [onlyElectronShell]),
  ...layer(['src/shared/**/*.ts'], [onlyElectronShell, sharedStandsAlone]),
  ...layer(['src/main/**/*.ts'], [onlyElectronShell, mainWithoutPreload], ['src/main/electron/**']),
  ...layer(['src/main/electron/**/*.ts'], [mainWithoutPreload]),
  ...layer(
    [`src/main/{${coreFolders.join(',')}}/**/*.ts`, 'src/main/*.ts'],
    [onlyElectronShell, mainWithoutPreload, coreStaysCore],
    ['src/main/cli.ts'],
  ),
  ...layer(
    ['src/main/library/**/*.ts'],
    [onlyElectronShell, mainWithoutPreload, coreStaysCore, libraryBeforeAnalysis],
  ),
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        EventSource: 'readonly',
        HTMLAudioElement: 'readonly',
        localStorage: 'readonly',
      },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
