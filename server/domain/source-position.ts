// A position in a rule's expression, as the rule editor shows it (line and column).

export interface SourcePosition {
  /** 1-based */
  line: number
  /** 1-based, in UTF-16 code units like the editor's */
  column: number
  /** 0-based offset into the expression */
  offset: number
}

export function positionAt(text: string, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, text.length))
  let line = 1
  let lineStart = 0
  for (let i = 0; i < clamped; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: clamped - lineStart + 1, offset: clamped }
}
