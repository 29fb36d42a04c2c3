// @ts-check
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Which top-level folders each folder may import (docs/development.md, "Architecture"). The two programs
 * meet only through the Kubernetes API: the operator process must never load controller code, and the
 * pure domain must stay testable without a cluster, a registry or a clock.
 */
const LAYERS = {
  crds: ['crds'],
  domain: ['domain', 'crds'],
  common: ['common', 'crds', 'domain'],
  webhook: ['webhook', 'crds', 'domain', 'common'],
  // The operator serves the admission webhooks, so it is the one program that loads webhook/.
  operator: ['operator', 'webhook', 'crds', 'domain', 'common'],
  controller: ['controller', 'crds', 'domain', 'common'],
};

/** Packages pure code may use: no I/O, no clock of their own, no Node built-ins (re2js: RE2 for user regexes). */
const DOMAIN_PACKAGES = ['semver', 'cron-parser', 're2js'];

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const file = relative(root, context.filename).split(/[\\/]/);
    const from = /** @type {keyof typeof LAYERS | undefined} */ (
      file.length > 1 && file[0] in LAYERS ? file[0] : undefined
    );
    if (from === undefined) return {};
    const isTest = /\.test\.ts$/.test(context.filename);
    /** @param {import('estree').Node & { source?: { value?: unknown } | null }} node */
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        if (from === 'domain' && !isTest && !DOMAIN_PACKAGES.includes(spec.split('/')[0] ?? '')) {
          context.report({
            node,
            message: `domain/ is pure: it may use only ${DOMAIN_PACKAGES.join(', ')} besides crds/ and domain/, not "${spec}" (see docs/development.md, "Architecture")`,
          });
        }
        return;
      }
      const target = relative(root, resolve(dirname(context.filename), spec)).split(/[\\/]/)[0] ?? '';
      if (!(target in LAYERS) || LAYERS[from].includes(target)) return;
      context.report({
        node,
        message: `${from}/ may import only ${LAYERS[from].map((l) => `${l}/`).join(', ')}; "${spec}" is in ${target}/ (see docs/development.md, "Architecture")`,
      });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default tseslint.config(
  // .tagpilot/: caches and the benches' compiled programs (bench/controller.ts, bench/operator.ts).
  { ignores: ['dist/', '.tagpilot/', 'node_modules/', 'coverage/', 'charts/', 'config/', 'hack/tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { tagpilot: { rules: { layers } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
      'tagpilot/layers': 'error',
    },
  },
  {
    // CLIs, benches and test helpers talk to a terminal on purpose.
    files: ['bin/**', 'bench/**', 'hack/**', 'test/**', '**/cli/**', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
);
