import { config, getSecretKey } from '#app/config.server'
import { createLocalStorage } from './local.server'
import { createS3Storage } from './s3.server'
import type { Storage } from './types'

// The one storage instance of the process, chosen once from the configuration.

export { contentDisposition } from './common'
export type { Storage } from './types'

export const storage: Storage =
	config.storage.driver === 's3'
		? createS3Storage(config.storage)
		: createLocalStorage({ root: config.storage.root, secretKey: getSecretKey() })
