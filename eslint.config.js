import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
	{
		ignores: ['build/**', 'node_modules/**', '.data/**', 'test-results/**', 'playwright-report/**'],
	},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: { globals: { ...globals.node, ...globals.browser } },
		plugins: { 'react-hooks': reactHooks },
		rules: {
			...reactHooks.configs.recommended.rules,
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
			],
			'@typescript-eslint/no-non-null-assertion': 'off',
			'no-console': ['error', { allow: ['error', 'warn'] }],
		},
	},
	{ files: ['tests/**', 'scripts/**', 'db/migrate-cli.ts'], rules: { 'no-console': 'off' } },
)
