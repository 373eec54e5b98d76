/** What the record forms read besides the record: the active staff (晨检) and the power sensors (消毒). */

import { shallowRef, type Ref } from 'vue'

import { POWER_KINDS, records, rowsOf, type RecordKind, type Sensor, type Staff } from './recordsApi'

export function useFormLookups(): {
  staff: Ref<Staff[]>
  sensors: Ref<Sensor[]>
  load: (kind: RecordKind, siteId?: number) => Promise<void>
} {
  const staff = shallowRef<Staff[]>([])
  const sensors = shallowRef<Sensor[]>([])
  async function load(kind: RecordKind, siteId?: number): Promise<void> {
    if (kind === 'morning_check') staff.value = (await records.staff({ site_id: siteId, active: true, size: 500 })).items
    if (kind === 'disinfection') {
      try {
        sensors.value = rowsOf(await records.sensors({ site_id: siteId })).filter((s) => POWER_KINDS.includes(s.kind))
      } catch {
        sensors.value = [] // the record does not need them
      }
    }
  }
  return { staff, sensors, load }
}
