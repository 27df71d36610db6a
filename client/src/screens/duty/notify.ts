// Browser notifications and a short alert tone. Permission is asked, and the AudioContext is
// created, only from a user's click (browsers block both otherwise).

export type Permission = 'default' | 'granted' | 'denied' | 'unsupported'

export function notificationPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : (Notification.permission as Permission)
}

export async function requestNotifications(): Promise<Permission> {
  if (typeof Notification === 'undefined') return 'unsupported'
  return (await Notification.requestPermission()) as Permission
}

export function showNotification(title: string, body: string, tag: string, onClick?: () => void): void {
  if (notificationPermission() !== 'granted') return
  try {
    const n = new Notification(title, { body, tag })
    if (onClick)
      n.onclick = () => {
        globalThis.focus?.()
        onClick()
      }
  } catch {
    // Some browsers allow notifications only from a service worker: the sound and the list remain.
  }
}

let context: AudioContext | null = null

/** Creates (or resumes) the audio context; call from a click handler. */
export function unlockAudio(): boolean {
  const Ctor = globalThis.AudioContext as typeof AudioContext | undefined
  if (!Ctor) return false
  context ??= new Ctor()
  void context.resume?.()
  return true
}

/** Two short beeps, higher for red. Silent until `unlockAudio` ran. */
export function beep(urgent: boolean): void {
  if (!context) return
  const start = context.currentTime
  for (let i = 0; i < 2; i++) {
    const osc = context.createOscillator()
    const gain = context.createGain()
    osc.type = 'sine'
    osc.frequency.value = urgent ? 1046 : 784
    const t = start + i * 0.22
    gain.gain.setValueAtTime(0.0001, t)
    gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02)
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.18)
    osc.connect(gain).connect(context.destination)
    osc.start(t)
    osc.stop(t + 0.2)
  }
}
