import { defineConfig } from 'vite';

/** The console is served by the API at /app; `npm run build:web` writes it to dist/web. */
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  base: '/app/',
  // The event policy is the server's own (libs/protocols/src/policy): pure TypeScript, bundled as it is.
  resolve: { alias: { '@protocols/policy': `${root}../libs/protocols/src/policy/index.ts` } },
  // Vite's own JSX transform (oxc): React 19's automatic runtime, no Babel plugin needed.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // mermaid's optional ELK layout engine (1.5 MB) is emitted but never loaded: the diagram asks for dagre.
    chunkSizeWarningLimit: 1600,
    reportCompressedSize: true,
    rolldownOptions: {
      onwarn(warning, warn) {
        // Mantine marks its modules "use client" (for React Server Components); meaningless in this bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    // `npx vite --config web/vite.config.ts` with the API on :3000: the console's calls go to it.
    proxy: Object.fromEntries(['/worklist', '/patients', '/protocols', '/trials', '/notifications', '/users', '/health'].map((p) => [p, 'http://localhost:3000'])),
  },
});
