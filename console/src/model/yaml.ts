/** YAML both ways, as the editors show it. */
import { parse, stringify } from "yaml";

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function fromYaml<T>(text: string): { value?: T; error?: string } {
  try {
    const value = parse(text) as T;
    if (!value || typeof value !== "object" || Array.isArray(value)) return { error: "not a YAML mapping" };
    return { value };
  } catch (err) {
    return { error: (err as Error).message.split("\n")[0] };
  }
}
