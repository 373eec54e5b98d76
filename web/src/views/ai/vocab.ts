/** Names of the labelling tasks and their labels in the reader's language, from the API's vocabularies. The data
 * keeps the English labels; the page shows the Chinese names (or English ones in the English mode). */

import { shallowRef, type Ref } from 'vue'

import { ai, type Vocabulary, type VocabularyLabel } from './aiApi'

const english = (locale: string): boolean => locale.startsWith('en')

/** A task's name: its Chinese or English name, else the task itself. */
export function taskName(vocabs: readonly Vocabulary[], task: string, locale: string): string {
  const v = vocabs.find((x) => x.task === task)
  if (!v) return task
  return (english(locale) ? v.name_en : v.name_zh) || task
}

/** A label's name within a task: its Chinese or English name, else the label itself (a label the task lacks). */
export function labelName(vocabs: readonly Vocabulary[], task: string, label: string, locale: string): string {
  const l = labelsOf(vocabs, task).find((x) => x.label === label)
  if (!l) return label
  return (english(locale) ? l.name_en : l.name_zh) || label
}

export function labelsOf(vocabs: readonly Vocabulary[], task: string): VocabularyLabel[] {
  return vocabs.find((x) => x.task === task)?.labels ?? []
}

/** A label's place in its task's list: the class index a YOLO export gives it (-1 when the task lacks it). */
export function classIndex(vocabs: readonly Vocabulary[], task: string, label: string): number {
  return labelsOf(vocabs, task).findIndex((x) => x.label === label)
}

// Read once per page load: the vocabularies change only with the platform's version.
let cached: Promise<Vocabulary[]> | null = null

export function useVocabularies(): { vocabs: Ref<Vocabulary[]>; ready: Promise<Vocabulary[]> } {
  const vocabs = shallowRef<Vocabulary[]>([])
  cached ??= ai.vocabularies().catch((err: unknown) => {
    cached = null // a passing failure: the next page asks again
    throw err
  })
  const ready = cached.then((list) => (vocabs.value = list))
  ready.catch(() => undefined)
  return { vocabs, ready }
}
