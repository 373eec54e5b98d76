/** Saving a file the app fetched itself (it needed the bearer token), and today's date as the reader sees it. */

export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  // Give the browser a moment to start the download before the link goes.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** yyyy-mm-dd of a moment in the reader's own time zone. */
export function localDay(d: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}
