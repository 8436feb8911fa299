import { createContext, useContext } from 'react'

// The Content-Security-Policy nonce of this response (server/security.ts),
// provided by entry.server.tsx. Browsers hide nonces from scripts, so on the
// client it is simply undefined.
export const NonceContext = createContext<string | undefined>(undefined)

export const useNonce = () => useContext(NonceContext)
