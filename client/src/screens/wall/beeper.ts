// A short two-tone alarm through Web Audio: no audio files, nothing to load. Browsers only let
// audio start after a user gesture (autoplay policy); `unlock()` is called from the sound
// toggle's click, and a context that is still suspended simply stays silent.
export interface Beeper {
  unlock(): void
  beep(): void
  close(): void
}

type AudioContextCtor = new () => AudioContext

export function createBeeper(Ctor: AudioContextCtor | undefined = (globalThis as { AudioContext?: AudioContextCtor }).AudioContext): Beeper {
  let ctx: AudioContext | null = null
  const context = (): AudioContext | null => {
    if (!Ctor) return null
    ctx ??= new Ctor()
    return ctx
  }
  return {
    unlock() {
      const c = context()
      if (c && c.state === 'suspended') void c.resume().catch(() => undefined)
    },
    beep() {
      const c = ctx // never create a context outside a gesture
      if (!c || c.state !== 'running') return
      const start = c.currentTime
      for (const [i, freq] of [880, 660].entries()) {
        const osc = c.createOscillator()
        const gain = c.createGain()
        osc.type = 'square'
        osc.frequency.value = freq
        const t0 = start + i * 0.28
        gain.gain.setValueAtTime(0.0001, t0)
        gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02)
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.25)
        osc.connect(gain).connect(c.destination)
        osc.start(t0)
        osc.stop(t0 + 0.26)
      }
    },
    close() {
      void ctx?.close().catch(() => undefined)
      ctx = null
    },
  }
}
