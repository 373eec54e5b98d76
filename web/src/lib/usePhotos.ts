/** Photos picked in a file input, checked in the browser first, with the previews to show them before sending. */

import { onScopeDispose, shallowRef, type Ref } from 'vue'

/** What the server takes (by content; the browser checks the type it reports, or the name's extension). */
export const PHOTO_TYPES = ['image/jpeg', 'image/png'] as const
export const PHOTO_MAX_MB = 10

export interface PhotoLimits {
  /** how many photos at most */
  max: number
  /** largest photo, in bytes */
  maxBytes: number
}

/** Why a picked file was not added. */
export interface Refusal {
  name: string
  reason: 'type' | 'size' | 'count'
}

export interface Photos {
  files: Readonly<Ref<File[]>>
  /** object URLs of the first `shown` files; each is revoked when replaced, cleared or the owner goes away */
  previews: Readonly<Ref<string[]>>
  limits: PhotoLimits
  set: (files: File[]) => void
  /** adds the files that pass the checks, after those already picked; answers the ones refused */
  add: (files: File[]) => Refusal[]
  remove: (index: number) => void
  clear: () => void
}

export function isPhoto(file: File): boolean {
  if (file.type) return (PHOTO_TYPES as readonly string[]).includes(file.type)
  return /\.(jpe?g|png)$/i.test(file.name) // some pickers report no type: the name tells
}

export function usePhotos(
  shown = Number.POSITIVE_INFINITY,
  limits: PhotoLimits = { max: Number.POSITIVE_INFINITY, maxBytes: PHOTO_MAX_MB * 1024 * 1024 },
): Photos {
  const files = shallowRef<File[]>([])
  const previews = shallowRef<string[]>([])

  function set(next: File[]): void {
    previews.value.forEach((url) => URL.revokeObjectURL(url))
    files.value = next
    previews.value = next.slice(0, shown).map((f) => URL.createObjectURL(f))
  }

  function add(picked: File[]): Refusal[] {
    const refused: Refusal[] = []
    const kept: File[] = []
    for (const file of picked) {
      if (!isPhoto(file)) refused.push({ name: file.name, reason: 'type' })
      else if (file.size > limits.maxBytes) refused.push({ name: file.name, reason: 'size' })
      else if (files.value.length + kept.length >= limits.max) refused.push({ name: file.name, reason: 'count' })
      else kept.push(file)
    }
    if (kept.length) {
      // Only the new ones get previews made; the old ones keep theirs.
      const old = previews.value
      files.value = [...files.value, ...kept]
      previews.value = [...old, ...kept.map((f) => URL.createObjectURL(f))].slice(0, shown)
    }
    return refused
  }

  function remove(index: number): void {
    if (index < 0 || index >= files.value.length) return
    const url = previews.value[index]
    if (url) URL.revokeObjectURL(url)
    files.value = files.value.filter((_, i) => i !== index)
    previews.value = previews.value.filter((_, i) => i !== index)
  }

  const clear = (): void => set([])

  // A component's scope ends when it unmounts: the previews' memory goes with it.
  onScopeDispose(clear)
  return { files, previews, limits, set, add, remove, clear }
}
