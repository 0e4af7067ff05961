import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import type { Plugin } from 'vite';
import { PAGE_CSP } from './src/shared/page-security';

const shared = { '@shared': resolve('src/shared') };

/**
 * The page's CSP as a meta tag too, from the one constant the app:// protocol sends as a header:
 * it holds in the development server, and wherever the page is opened without that header.
 */
const pageCsp = (): Plugin => ({
  name: 'page-csp',
  transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: PAGE_CSP }, injectTo: 'head-prepend' }]
});

export default defineConfig({
  main: {
    resolve: { alias: shared },
    build: {
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/main/cli.ts')
        },
        output: {
          banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '')
        }
      }
    }
  },
  preload: {
    resolve: { alias: shared },
    build: {
      // A sandboxed preload must be CommonJS.
      rollupOptions: {
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    resolve: {
      alias: { ...shared, '@renderer': resolve('src/renderer/src') }
    },
    plugins: [vue(), pageCsp()]
  }
});
