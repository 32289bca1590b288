/**
 * A select of a fixed set of options inside its visible label (the filter bars' "sort" style).
 * The value is typed by the options, so a screen gets back one of its own values, not a string.
 */
export interface SelectOption<T extends string> {
  value: T;
  label: string;
}

export function LabelledSelect<T extends string>({
  label,
  ariaLabel = label,
  value,
  options,
  onChange,
}: {
  /** The visible label. */
  label: string;
  /** The select's accessible name, when it should say more than the visible label. */
  ariaLabel?: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange: (value: T) => void;
}) {
  return (
    <label className="sort">
      {label}
      <select aria-label={ariaLabel} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
