/** The JSON Schema of a kind, fetched once per page load from the server. */
import { useEffect, useState } from "react";
import { api } from "../api/client";

const cache = new Map<string, Promise<Record<string, unknown>>>();

export function useSchema(kind: string): Record<string, unknown> | undefined {
  const [schema, setSchema] = useState<Record<string, unknown>>();
  useEffect(() => {
    let promise = cache.get(kind);
    if (!promise) {
      promise = api.schema(kind).catch(() => api.schema(kind.toLowerCase()));
      cache.set(kind, promise);
    }
    promise.then(setSchema, () => cache.delete(kind));
  }, [kind]);
  return schema;
}
