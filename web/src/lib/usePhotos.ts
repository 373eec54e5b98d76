/** Photos picked in a file input, with the previews to show them before they are sent. */

import { onScopeDispose, shallowRef, type Ref } from 'vue'

export interface Photos {
  files: Readonly<Ref<File[]>>
  /** object URLs of the first `shown` files; each is revoked when replaced, cleared or the owner goes away */
  previews: Readonly<Ref<string[]>>
  set: (files: File[]) => void
  clear: () => void
}

export function usePhotos(shown = Number.POSITIVE_INFINITY): Photos {
  const files = shallowRef<File[]>([])
  const previews = shallowRef<string[]>([])

  function set(next: File[]): void {
    previews.value.forEach((url) => URL.revokeObjectURL(url))
    files.value = next
    previews.value = next.slice(0, shown).map((f) => URL.createObjectURL(f))
  }
  const clear = (): void => set([])

  // A component's scope ends when it unmounts: the previews' memory goes with it.
  onScopeDispose(clear)
  return { files, previews, set, clear }
}
