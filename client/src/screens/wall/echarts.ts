// The only ECharts parts the wall uses, from tree-shaken `echarts/core` (STACK.md). The SVG
// renderer is not registered here: tests (no canvas in happy-dom) register it themselves.
import { EffectScatterChart, BarChart, LineChart, MapChart, ScatterChart } from 'echarts/charts'
import { GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapPiecewiseComponent } from 'echarts/components'
import { init, registerMap, use, type ECharts } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([MapChart, EffectScatterChart, ScatterChart, LineChart, BarChart, GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapPiecewiseComponent, CanvasRenderer])

export { init, registerMap, type ECharts }
export type { EChartsCoreOption } from 'echarts/core'

/** Canvas where the platform has one; SVG otherwise (happy-dom, which has no 2D context). */
export function preferredRenderer(): 'canvas' | 'svg' {
  try {
    const ctx = document.createElement('canvas').getContext?.('2d')
    return ctx ? 'canvas' : 'svg'
  } catch {
    return 'svg'
  }
}
