/** A byte count for people, in binary units (what MAX_UPLOAD_BYTES and quotas are set in). */
export function formatBytes(bytes: number) {
	if (bytes < 1024) return `${bytes} bytes`
	if (bytes < 1024 ** 2) return `${+(bytes / 1024).toFixed(1)} KiB`
	if (bytes < 1024 ** 3) return `${+(bytes / 1024 ** 2).toFixed(1)} MiB`
	return `${+(bytes / 1024 ** 3).toFixed(2)} GiB`
}

/** The one message for a file over the upload limit, from the server or the page. */
export const fileTooLargeMessage = (maxBytes: number) =>
	`The file is larger than the limit of ${formatBytes(maxBytes)}.`
