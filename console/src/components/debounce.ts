/** `useDebounced`: a value that follows another once it has stopped changing. */
import { useEffect, useState } from "react";

export const DEBOUNCE_MS = 300;

/** `value`, but only after it has stayed the same for `ms` milliseconds. */
export function useDebounced<T>(value: T, ms = DEBOUNCE_MS): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const id = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(id);
  }, [value, ms]);
  return settled;
}
