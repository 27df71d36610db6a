import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import './fonts.ts'
import './styles/tokens.css'
import { i18n } from './i18n/index.ts'
import { installSessionGuard, router } from './router.ts'

const pinia = createPinia()
const app = createApp(App).use(pinia)
// Before the router is installed, so the very first navigation is guarded too.
installSessionGuard(router, pinia)
app.use(router).use(i18n).mount('#app')
