import type { KubeStatus, StatusCause } from "./types";

/** A failed API call: the server's Kubernetes `Status`, or a network failure (code 0). */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly causes: StatusCause[];

  constructor(code: number, message: string, reason = "", causes: StatusCause[] = []) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.causes = causes;
  }

  static fromStatus(code: number, body: unknown, fallback: string): ApiError {
    const status = body as Partial<KubeStatus> | null;
    if (status && typeof status === "object" && (status.message || status.details)) {
      return new ApiError(
        code,
        status.message || fallback,
        status.reason ?? "",
        status.details?.causes ?? [],
      );
    }
    const detail = (body as { detail?: unknown } | null)?.detail;
    return new ApiError(code, typeof detail === "string" ? detail : fallback);
  }
}
