/** Messages of one feature; zh-CN.ts and en.ts include them under the key 'incidents'. */

const zh = {
  title: '事件',
}

export const en: typeof zh = {
  title: '—',
}

export default { zh, en }
