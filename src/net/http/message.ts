/** HTTP/1.1 messages as the fabric's services and its browser path see them (RFC 9110, 9112). */

/** Header fields in the order they came, names as written. */
export type HttpHeaders = readonly (readonly [string, string])[];

export interface HttpRequest {
  readonly method: string;
  /** The request target as sent: "/latest/meta-data/?x" (origin form). */
  readonly target: string;
  readonly version: "HTTP/1.0" | "HTTP/1.1";
  readonly headers: HttpHeaders;
  readonly body: Uint8Array;
  /** Whether the connection stays open after the answer (HTTP/1.1 unless "Connection: close"). */
  readonly keepAlive: boolean;
}

export interface HttpResponse {
  readonly status: number;
  /** The reason phrase; the standard one when left out. */
  readonly statusText?: string;
  readonly headers: HttpHeaders;
  readonly body: Uint8Array;
}

/** A request the server could not read, and the status it answers with before closing. */
export interface HttpRequestError {
  readonly status: 400 | 411 | 413 | 431 | 501 | 505;
  readonly message: string;
}

/** The largest header section we read (request or response line included). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** The largest body we keep in memory. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The value of the first header called `name` (case-insensitive), or null. */
export function headerValue(headers: HttpHeaders, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [key, value] of headers) if (key.toLowerCase() === wanted) return value;
  return null;
}

/** Every value of the headers called `name`, in order. */
function headerValues(headers: HttpHeaders, name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter(([key]) => key.toLowerCase() === wanted).map(([, value]) => value);
}

/** Whether a comma-separated header (Connection, Transfer-Encoding) lists `token`. */
export function headerHasToken(headers: HttpHeaders, name: string, token: string): boolean {
  return headerValues(headers, name).some((value) =>
    value
      .split(",")
      .map((part) => part.trim().toLowerCase())
      .includes(token),
  );
}

const REASONS: Readonly<Record<number, string>> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  411: "Length Required",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "Unknown";
}
