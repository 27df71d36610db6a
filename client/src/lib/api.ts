/** A failed API call, carrying the server's `{error: {code, message, fields?}}`. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: Array<{ field: string; message: string }>

  constructor(status: number, code: string, message: string, fields: Array<{ field: string; message: string }> = []) {
    super(message)
    this.status = status
    this.code = code
    this.fields = fields
  }
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers)
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json')
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' })
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string; fields?: Array<{ field: string; message: string }> } } | null
    throw new ApiError(response.status, body?.error?.code ?? 'http', body?.error?.message ?? response.statusText, body?.error?.fields)
  }
  return (await response.json()) as T
}
