import type { AiStatus, ImageStatus, OverallStatus } from '../../db/schema'

// The contract's derivation; the database computes the same in a generated
// column (db/schema.ts) so lists can filter on it.
export function overallStatusOf(status: ImageStatus, aiStatus: AiStatus): OverallStatus {
	if (status === 'failed') return 'failed'
	if (status === 'completed') {
		if (aiStatus === 'completed' || aiStatus === 'skipped') return 'completed'
		if (aiStatus === 'failed') return 'partial'
	}
	if (status === 'pending' && aiStatus === 'pending') return 'pending'
	return 'processing'
}

export const isTerminal = (overall: OverallStatus) =>
	overall === 'completed' || overall === 'partial' || overall === 'failed'
