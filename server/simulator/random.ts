/** A small seeded PRNG (sfc32): the simulator is deterministic given its seed, never Math.random. */
export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor(seed: string | number) {
    // cyrb128-style string hash to four 32-bit words.
    const text = String(seed)
    let h1 = 1779033703
    let h2 = 3144134277
    let h3 = 1013904242
    let h4 = 2773480762
    for (let i = 0; i < text.length; i++) {
      const k = text.charCodeAt(i)
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
    }
    this.#a = h1 >>> 0
    this.#b = h2 >>> 0
    this.#c = h3 >>> 0
    this.#d = h4 >>> 0
    for (let i = 0; i < 12; i++) this.next()
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return (t >>> 0) / 4294967296
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    let total = 0
    for (const item of items) total += Math.max(0, weight(item))
    let r = this.next() * total
    for (const item of items) {
      r -= Math.max(0, weight(item))
      if (r < 0) return item
    }
    return items[items.length - 1]!
  }

  /** Poisson-distributed count with mean lambda (Knuth for small, normal approximation for large). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 50) {
      const u = Math.max(1e-12, this.next())
      const v = this.next()
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z))
    }
    const l = Math.exp(-lambda)
    let k = 0
    let p = 1
    do {
      k++
      p *= this.next()
    } while (p > l)
    return k - 1
  }
}
