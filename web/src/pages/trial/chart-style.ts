/** Shared look of the trial charts: quiet axes, one accent, red for DLTs. */
export const AXIS = { stroke: '#868e96', fontSize: 12 } as const;
export const GRID = '#e9ecef';
export const ACCENT = '#1c7ed6';
export const DLT_RED = '#e03131';
export const MUTED = '#868e96';
/** Distinct but calm colours for one line per patient. */
export const SERIES = ['#1c7ed6', '#0ca678', '#ae3ec9', '#f08c00', '#1098ad', '#5f3dc4', '#d6336c', '#74b816', '#495057', '#e8590c'];
