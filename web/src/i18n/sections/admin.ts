/** Messages of one feature; zh-CN.ts and en.ts include them under the key 'admin'. */

const zh = {
  title: '—',
}

export const en: typeof zh = {
  title: '—',
}

export default { zh, en }
