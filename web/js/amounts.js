// Credit amounts as integer hundredths: the API's amounts have at most 2 decimals, and sums of
// hundredths are exact where sums of floats are not (0.1 + 0.2).

const STEP = 25; // the API accepts multiples of 0.25, or the whole remainder

/** Hundredths of an amount the API sent (a JSON number with at most 2 decimals). */
export function fromApi(value) {
  return Math.round(Number(value) * 100);
}

/** Hundredths of what a learner typed ("1.5", "0,75", ".25"), or null when it is not an amount. */
export function parse(text) {
  const cleaned = String(text ?? "").trim().replace(",", ".");
  const match = /^(\d{0,4})(?:\.(\d{0,2}))?$/.exec(cleaned);
  if (!match || (match[1] === "" && !match[2])) return null;
  const whole = Number(match[1] || "0");
  const fraction = Number((match[2] || "").padEnd(2, "0"));
  return whole * 100 + fraction;
}

/** "1.5", "2", "0.25": an amount as the API writes it. */
export function format(hundredths) {
  const sign = hundredths < 0 ? "-" : "";
  const abs = Math.abs(hundredths);
  const whole = Math.floor(abs / 100);
  const fraction = abs % 100;
  if (fraction === 0) return `${sign}${whole}`;
  return `${sign}${whole}.${String(fraction).padStart(2, "0").replace(/0$/, "")}`;
}

/** The JSON number the API expects (exactly the decimal: JSON prints the shortest round-trip form). */
export function toApi(hundredths) {
  return hundredths / 100;
}

/** "1 credit", "2.5 credits". */
export function credits(hundredths) {
  return `${format(hundredths)} ${hundredths === 100 ? "credit" : "credits"}`;
}

/** Why an amount cannot be claimed from what is left, or null when it can. */
export function problem(hundredths, remaining) {
  if (hundredths === null) return "Enter an amount such as 0.25, 0.5 or 1.";
  if (hundredths <= 0) return "Enter an amount greater than 0.";
  if (hundredths > remaining) return `You can claim at most ${format(remaining)} for this topic.`;
  if (hundredths % STEP !== 0 && hundredths !== remaining) {
    return `Use steps of 0.25 (such as 0.25, 0.5, 0.75), or all ${format(remaining)}.`;
  }
  return null;
}

export function sum(values) {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
