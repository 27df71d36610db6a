// Shared look of the wall's charts: large type for reading across a room, on a dark stage.
export const AXIS_TEXT = { color: '#b7c9e2', fontSize: 18 }
export const SPLIT_LINE = { lineStyle: { color: 'rgba(120, 160, 220, 0.15)' } }
export const AXIS_LINE = { lineStyle: { color: 'rgba(160, 190, 230, 0.45)' } }
export const LEGEND_TEXT = { color: '#dbe6f5', fontSize: 18 }
export const TOOLTIP_BASE = {
  backgroundColor: 'rgba(8, 20, 40, 0.94)',
  borderColor: 'rgba(90, 160, 255, 0.6)',
  textStyle: { color: '#eef4fc', fontSize: 18 },
  // Data text is escaped by every formatter (escapeHtml); nothing raw ever reaches the DOM.
  renderMode: 'html' as const,
  confine: true,
}
