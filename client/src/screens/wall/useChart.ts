import { type InjectionKey, type Ref, inject, onBeforeUnmount, onMounted, ref, watch } from 'vue'
import { fontsFor, UI_FONT } from '../../fonts.ts'
import { type EChartsCoreOption, type ECharts, init, preferredRenderer } from './echarts.ts'

/** The wall's current `transform: scale` factor, provided by WallScreen. */
export const WALL_SCALE: InjectionKey<Ref<number>> = Symbol('wall-scale')
/** Whether chart animations run (off for screenshots: `/wall?still=1`). */
export const WALL_ANIMATION: InjectionKey<boolean> = Symbol('wall-animation')

export interface ChartSetup {
  /** Size on the 1920×1080 design canvas (the whole stage is scaled, charts never resize). */
  width: number
  height: number
  /** The complete option for the current data: used at creation (and re-creation on a DPR change). */
  option(): EChartsCoreOption
  /** Called after each creation, to attach event handlers. */
  ready?(chart: ECharts): void
}

/** Bitmap resolution: the screen's pixel ratio times the stage scale, so a 4K wall stays sharp. */
export function chartPixelRatio(scale: number, devicePixelRatio = globalThis.devicePixelRatio || 1): number {
  return Math.min(4, Math.max(1, devicePixelRatio * Math.max(1, scale)))
}

/**
 * One ECharts instance per component, created once on mount and disposed on unmount. The
 * instance is a plain closure variable, never reactive state. Updates go through `setOption`
 * (merged, lazily batched to the next frame). The only re-creation is when the pixel ratio
 * changes (the window was resized to another scale), debounced: ECharts cannot change its
 * devicePixelRatio in place.
 */
export function useChart(el: Ref<HTMLElement | null>, setup: ChartSetup) {
  let chart: ECharts | null = null
  let dpr = 0
  let recreate: ReturnType<typeof setTimeout> | null = null
  const scale = inject(WALL_SCALE, ref(1))
  const animation = inject(WALL_ANIMATION, true)
  const created = ref(0)

  function create(): void {
    if (!el.value) return
    // The glyphs of the labels first (the option's text and the page's), then measure and draw.
    const pending = fontsFor(`${JSON.stringify(setup.option())}${el.value.ownerDocument.body?.innerText ?? ''}`)
    if (pending) void pending.then(build)
    else build()
  }

  function build(): void {
    if (!el.value) return
    chart?.dispose()
    dpr = chartPixelRatio(scale.value)
    chart = init(el.value, null, { renderer: preferredRenderer(), devicePixelRatio: dpr, width: setup.width, height: setup.height })
    chart.setOption({ animation, textStyle: { fontFamily: UI_FONT }, ...setup.option() })
    setup.ready?.(chart)
    created.value++
  }

  function setOption(option: EChartsCoreOption, opts: { notMerge?: boolean; replaceMerge?: string | string[] } = {}): void {
    chart?.setOption(option, { lazyUpdate: true, ...opts })
  }

  onMounted(create)
  watch(scale, (value) => {
    if (Math.abs(chartPixelRatio(value) - dpr) < 0.25) return
    if (recreate) clearTimeout(recreate)
    recreate = setTimeout(() => {
      recreate = null
      create()
    }, 500)
  })
  onBeforeUnmount(() => {
    if (recreate) clearTimeout(recreate)
    chart?.dispose()
    chart = null
  })

  return { setOption, getChart: () => chart, created }
}
