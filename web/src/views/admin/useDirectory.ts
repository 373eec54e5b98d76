/** The regions and sites the admin pages name and pick from (a district's tree and sites: one read each). */

import { computed, shallowRef, type ComputedRef, type Ref } from 'vue'

import type { Region, Site } from '@/api/types'

import { admin } from './adminApi'

export interface RegionNode {
  value: number
  label: string
  kind: Region['kind']
  code: string
  region: Region
  children: RegionNode[]
}

/** The regions as a forest, each level in name order; a region whose parent is out of sight is a root. */
export function regionTree(regions: readonly Region[]): RegionNode[] {
  const nodes = new Map<number, RegionNode>()
  for (const r of regions) nodes.set(r.id, { value: r.id, label: r.name, kind: r.kind, code: r.code, region: r, children: [] })
  const roots: RegionNode[] = []
  for (const node of nodes.values()) {
    const parent = node.region.parent_id === null ? undefined : nodes.get(node.region.parent_id)
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  const order = (list: RegionNode[]): RegionNode[] => {
    list.sort((a, b) => a.label.localeCompare(b.label, 'zh-CN'))
    list.forEach((n) => order(n.children))
    return list
  }
  return order(roots)
}

export interface Directory {
  regions: Ref<Region[]>
  sites: Ref<Site[]>
  tree: ComputedRef<RegionNode[]>
  streets: ComputedRef<Region[]>
  regionName: (id: number | null | undefined) => string
  siteName: (id: number | null | undefined) => string
  load: () => Promise<void>
}

export function useDirectory(opts: { sites?: boolean } = {}): Directory {
  const regions = shallowRef<Region[]>([])
  const sites = shallowRef<Site[]>([])
  const byRegion = computed(() => new Map(regions.value.map((r) => [r.id, r])))
  const bySite = computed(() => new Map(sites.value.map((s) => [s.id, s])))
  const tree = computed(() => regionTree(regions.value))
  const streets = computed(() => regions.value.filter((r) => r.kind === 'street'))

  async function load(): Promise<void> {
    const [r, s] = await Promise.all([
      admin.allRegions().catch(() => null), // school roles see no regions; names fall back to ids
      opts.sites === false ? null : admin.sites({ size: 500, sort: 'name' }).catch(() => null),
    ])
    if (r) regions.value = r.items
    if (s) sites.value = s.items
  }

  const regionName = (id: number | null | undefined): string =>
    id === null || id === undefined ? '' : (byRegion.value.get(id)?.name ?? `#${id}`)
  const siteName = (id: number | null | undefined): string =>
    id === null || id === undefined ? '' : (bySite.value.get(id)?.name ?? `#${id}`)

  return { regions, sites, tree, streets, regionName, siteName, load }
}
