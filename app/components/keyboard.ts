/**
 * Whether a key press belongs to what the user is typing (or to a browser
 * shortcut) rather than to the page's own single-key shortcuts.
 */
export function isTypingOrShortcut(event: KeyboardEvent) {
	if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return true
	const target = event.target
	if (!(target instanceof HTMLElement)) return false
	return (
		target.isContentEditable ||
		target instanceof HTMLInputElement ||
		target instanceof HTMLTextAreaElement ||
		target instanceof HTMLSelectElement
	)
}
