import '@mantine/core/styles.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Badge, createTheme, MantineProvider } from '@mantine/core';
import { App } from './App';

const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '650' },
  components: {
    // Badges: square-ish like the rest (Badge's own default is a pill), words rather than capitals, and their whole
    // label kept in a narrow table cell rather than an ellipsis.
    Badge: Badge.extend({ defaultProps: { radius: 'sm', tt: 'none' }, styles: { root: { minWidth: 'max-content' } } }),
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <App />
    </MantineProvider>
  </StrictMode>,
);
