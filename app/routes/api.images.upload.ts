import { methodNotAllowed } from '~/http/methods.server'

// The contract's alias for POST /api/images.
export { action } from './api.images'
export const loader = methodNotAllowed(['POST'])
