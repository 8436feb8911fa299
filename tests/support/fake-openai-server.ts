import { startFakeOpenAi } from './fake-openai'

// The fake OpenAI server as its own process, for Playwright's webServer list:
// `node --import tsx tests/support/fake-openai-server.ts <port>`.
const port = Number(process.argv[2])
const fake = await startFakeOpenAi({ port })
console.log(`fake OpenAI listening on ${fake.baseUrl}`)
const stop = () => void fake.stop().then(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
