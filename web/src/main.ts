import 'element-plus/dist/index.css'
import './styles.css'

import { createApp } from 'vue'

import { onUnauthorized } from './api'
import App from './App.vue'
import { i18n } from './i18n'
import { backToLogin, router } from './router'

onUnauthorized(() => backToLogin())
document.documentElement.lang = i18n.global.locale.value

createApp(App).use(i18n).use(router).mount('#app')
