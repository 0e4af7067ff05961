import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { applyTheme } from './lib/theme';
import './styles/base.css';

// Before the first paint, so a dark desktop never flashes light.
applyTheme('system');
createApp(App).use(createPinia()).mount('#app');
