/** What every form in a dialog shares: the problem shown under it, the busy submit button, and the send. */

import { ref, watch, type Ref } from 'vue'

export interface DialogFormOptions {
  /** the dialog's v-model */
  visible: Ref<boolean>
  /** empties the form's fields; called each time the dialog opens */
  reset: () => void
  /** shows a failed send (the dialog stays open so nothing typed is lost) */
  onError: (err: unknown) => void
  /** after a send that worked, once the dialog is closed */
  onDone?: () => void
}

export interface DialogForm {
  /** what is wrong with the form, shown under it; empty when nothing is */
  problem: Ref<string>
  busy: Ref<boolean>
  /** runs `action` (the form's request) with the button busy; closes the dialog when it worked */
  send: (action: () => Promise<unknown>) => Promise<void>
}

export function useDialogForm({ visible, reset, onError, onDone }: DialogFormOptions): DialogForm {
  const problem = ref('')
  const busy = ref(false)

  watch(visible, (open) => {
    if (!open) return
    problem.value = ''
    reset()
  })

  async function send(action: () => Promise<unknown>): Promise<void> {
    busy.value = true
    try {
      await action()
      visible.value = false
      onDone?.()
    } catch (err) {
      onError(err)
    } finally {
      busy.value = false
    }
  }

  return { problem, busy, send }
}
