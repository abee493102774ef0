// The public verify page: what the QR code of a certificate opens (/verify/{code}). No sign-in.
// It asks the same address for JSON (GET /verify/{code}) and says, in plain words, whether the
// certificate is valid or revoked, with what the certificate shows and a link to its credential.

import { clear, h } from "./dom.js";

const TIMEOUT_MS = 30_000;
// The API's times are UTC; the certificate prints days in the learner's zone, which this page does
// not know, so it shows UTC days and says so.
const dayFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });

function day(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso || "") : dayFormat.format(date);
}

function codeFromLocation() {
  const match = window.location.pathname.match(/^\/verify\/([^/]+)$/);
  if (match) return decodeURIComponent(match[1]);
  return new URLSearchParams(window.location.search).get("code") || "";
}

function amount(value) {
  const number = Number(value);
  return Number.isFinite(number) ? number.toLocaleString(undefined, { maximumFractionDigits: 2 }) : String(value);
}

async function lookUp(code) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(`/verify/${encodeURIComponent(code)}`, {
      headers: { Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
      signal: controller.signal,
    });
    if (response.status === 404) return { found: false };
    if (!response.ok) return { error: `The verification service answered ${response.status}. Please try again in a moment.` };
    return { found: true, answer: await response.json() };
  } catch {
    return { error: "The verification service could not be reached. Check the connection and try again." };
  } finally {
    clearTimeout(timer);
  }
}

function codeForm(code) {
  const input = h("input", { id: "verify-code", name: "code", value: code, autocomplete: "off", autocapitalize: "characters", spellcheck: "false" });
  const form = h(
    "form",
    { class: "verify__form", "aria-label": "Check another certificate" },
    h("label", { for: "verify-code" }, "Certificate code"),
    h("p", { class: "hint", id: "verify-code-hint" }, "As printed on the certificate, for example K7QX-9M2F-T4PA-W8RZ-E3NC."),
    input,
    h("p", { class: "actions" }, h("button", { type: "submit", class: "button" }, "Check this code")),
  );
  input.setAttribute("aria-describedby", "verify-code-hint");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = input.value.trim();
    if (typed) window.location.assign(`/verify/${encodeURIComponent(typed)}`);
  });
  return form;
}

function field(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

function verdict(answer, code) {
  const revoked = answer.status === "revoked" || answer.valid === false;
  const banner = revoked
    ? h(
        "div",
        { class: "verdict verdict--revoked", role: "alert", dataset: { status: "revoked" } },
        h("p", { class: "verdict__title" }, "Revoked: this certificate is no longer valid"),
        h("p", {}, "It was issued by CME Ledger and later revoked."),
        h("p", {}, h("strong", {}, "Reason: "), answer.revoked_reason || "No reason was given."),
      )
    : h(
        "div",
        { class: "verdict verdict--valid", role: "status", dataset: { status: "active" } },
        h("p", { class: "verdict__title" }, "Valid certificate"),
        h("p", {}, "Issued by CME Ledger and not revoked. The details below are those printed on it."),
      );
  const credit = `${amount(answer.credits)} ${answer.credit_type_label || answer.credit_type}`;
  const dates = answer.earned_from === answer.earned_to || !answer.earned_to
    ? day(answer.earned_from)
    : `${day(answer.earned_from)} to ${day(answer.earned_to)}`;
  const details = h(
    "dl",
    { class: "verify__details" },
    field("Learner", answer.learner_name || "(no name)"),
    field("Course", answer.course_title),
    field("Provider", answer.provider),
    field("Credit", credit),
    field("Activity dates", dates),
    field("Date claimed", day(answer.claimed_at)),
    field("Certificate code", h("span", { class: "verify__code" }, code)),
  );
  const link = h(
    "a",
    { href: `/verify/${encodeURIComponent(code)}/credential`, download: `${code}.jwt`, class: "button button--secondary", id: "credential-link" },
    "Download the signed credential (Open Badges 3.0)",
  );
  return [
    banner,
    h("h2", {}, "What the certificate says"),
    details,
    h("p", { class: "hint" }, "Dates are days in UTC; the certificate prints them in the learner's time zone, which may differ by a day."),
    h("h2", {}, "Check it yourself"),
    h(
      "p",
      {},
      "The credential is signed by the issuer, ",
      h("a", { href: "/issuer" }, "CME Ledger"),
      ". Any Open Badges 3.0 verifier can check it against the issuer's ",
      h("a", { href: "/.well-known/jwks.json" }, "public keys"),
      " and its revocation status.",
    ),
    h("p", { class: "actions" }, link),
  ];
}

async function main() {
  const root = document.getElementById("main");
  const code = codeFromLocation();
  const heading = h("h1", { tabindex: "-1" }, "Certificate verification");
  if (!code) {
    clear(root).append(heading, h("p", { class: "lead" }, "Type the code printed on a CME Ledger certificate."), codeForm(""));
    return;
  }
  const result = await lookUp(code);
  clear(root).append(heading);
  if (result.error) {
    root.append(h("div", { class: "notice notice--error", role: "alert" }, h("p", {}, result.error)));
    root.append(h("p", { class: "actions" }, h("button", { type: "button", class: "button", onclick: () => main() }, "Try again")));
  } else if (!result.found) {
    root.append(
      h(
        "div",
        { class: "verdict verdict--unknown", role: "alert", dataset: { status: "unknown" } },
        h("p", { class: "verdict__title" }, "No certificate has this code"),
        h("p", {}, `CME Ledger issued no certificate with the code “${code}”. Check that it was typed as printed.`),
      ),
      codeForm(code),
    );
  } else {
    root.append(...verdict(result.answer, code));
    document.title = `${result.answer.status === "revoked" ? "Revoked" : "Valid"} certificate · CME Ledger`;
  }
  heading.focus();
}

main();
