import type { OverallStatus } from '#db/statuses'

// overallStatus itself is derived in PostgreSQL (a generated column in db/schema.ts).
export const isTerminal = (overall: OverallStatus) =>
	overall === 'completed' || overall === 'partial' || overall === 'failed'
