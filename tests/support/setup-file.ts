import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, inject } from 'vitest'
import { installResponseCheck } from '#tests/support/response-check'

// Runs before each test file: a fresh database and data directory, so files
// run in parallel without seeing each other's rows, jobs or objects.
const adminUrl = inject('postgresAdminUrl')
const name = `test_${randomBytes(6).toString('hex')}`
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
await admin.unsafe(`create database ${name} template ${inject('templateDatabase')}`)
await admin.end()

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'darkroom-test-data-'))
Object.assign(process.env, {
	NODE_ENV: 'test',
	LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
	DATABASE_URL: adminUrl.replace(/\/postgres$/, `/${name}`),
	DATA_DIR: dataDir,
	SECRET_KEY: randomBytes(32).toString('hex'),
	// Test files register many accounts from 127.0.0.1; tests of this limit set their own.
	RATE_LIMIT_SIGNUP: '1000/3600s',
})

installResponseCheck()

// After the file's own afterAll hooks (vitest runs them in reverse), which stop its processes.
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))
