// Preview: the preview PDF embedded, the name as it will print, then Cancel or Generate certificate.

import * as amounts from "../amounts.js";
import { newIdempotencyKey } from "../api.js";
import { h } from "../dom.js";
import { selectionChanged } from "../messages.js";

// Refusals after which the selection must be looked at again on the (refreshed) list of credits.
// A 422 naming a selection's amount or credit is one too: the credit changed since the list was loaded.
const BACK_TO_LIST = new Set(["credits_unavailable", "nothing_to_claim", "idempotency_key_mismatch"]);
const backToList = (error) => BACK_TO_LIST.has(error.code) || selectionChanged(error);

export async function render(app) {
  const { state, api } = app;
  const pending = state.pending;
  if (!pending) {
    app.navigate("#/credits", { replace: true });
    return null;
  }
  const context = { selections: pending.body.selections, topics: pending.topics };

  let preview;
  try {
    preview = await api.preview(pending.body);
  } catch (error) {
    if (error.code === "unauthorized") throw error;
    if (backToList(error)) {
      state.flash = { error, context };
      app.navigate("#/credits", { replace: true });
      return null;
    }
    return {
      title: "Preview",
      element: h(
        "section",
        {},
        h("h1", {}, "Preview your certificate"),
        app.errorBox(error, context, { onRetry: () => app.navigate("#/preview") }),
        h("p", {}, h("a", { href: "#/credits", class: "button button--secondary" }, "Back to your credits")),
      ),
    };
  }
  // One Idempotency-Key per claim attempt: made for this selection, reused when Generate is retried.
  pending.key ||= newIdempotencyKey();

  const total = amounts.fromApi(preview.total);
  const printed = [preview.display_name, preview.degree].filter(Boolean).join(", ");
  const status = h("div", { class: "generate-status" });
  const generate = h("button", { type: "button", class: "button", id: "generate" }, "Generate certificate");
  const cancel = h("a", { href: "#/credits", class: "button button--secondary", id: "cancel" }, "Cancel");

  generate.addEventListener("click", async () => {
    generate.disabled = true;
    generate.textContent = "Generating…";
    status.replaceChildren(h("p", { role: "status" }, "Claiming your credits…"));
    try {
      const claim = await api.claim(pending.body, pending.key);
      state.lastClaim = claim;
      state.pending = null;
      state.selection = new Map();
      app.navigate(`#/evaluation/${encodeURIComponent(claim.claim_id)}`);
    } catch (error) {
      if (error.code === "unauthorized") return;
      if (backToList(error)) {
        state.pending = null; // a new selection is a new claim attempt, with a new key
        state.flash = { error, context };
        app.navigate("#/credits");
        return;
      }
      generate.disabled = false;
      generate.textContent = "Generate certificate";
      status.replaceChildren(app.errorBox(error, context, { onRetry: () => generate.click() }));
    }
  });

  const frameTitle = `Preview of your ${pending.creditTypeLabel} certificate`;
  const section = h(
    "section",
    { class: "preview" },
    h("h1", {}, "Preview your certificate"),
    h(
      "p",
      { class: "lead" },
      `You are claiming ${amounts.credits(total)} of ${pending.creditTypeLabel} from ${preview.certificates.length} ${preview.certificates.length === 1 ? "course" : "courses"}. Nothing is claimed until you generate the certificate.`,
    ),
    h(
      "div",
      { class: "printed-name" },
      h("h2", {}, "Name on the certificate"),
      h("p", { class: "printed-name__value", id: "printed-name" }, printed || "(no name yet)"),
      h(
        "p",
        {},
        h("a", { href: "#/profile?from=preview", id: "edit-profile" }, "Edit your profile"),
        " to change how your name and degree print.",
      ),
    ),
    h("h2", {}, "What will be claimed"),
    preview.certificates.map((certificate) =>
      h(
        "div",
        { class: "certificate-summary" },
        h("h3", {}, `${certificate.course_title}: ${amounts.credits(amounts.fromApi(certificate.total))}`),
        h(
          "ul",
          {},
          certificate.topics.map((topic) => h("li", {}, `${topic.topic}: ${amounts.credits(amounts.fromApi(topic.amount))}`)),
        ),
      ),
    ),
    status,
    // The actions come before the embedded PDF: keyboard users reach Generate without tabbing
    // through the PDF viewer's own controls, and a phone shows them without scrolling past the PDF.
    h("div", { class: "actions" }, cancel, generate),
    h(
      "div",
      { class: "preview-frame" },
      h("iframe", { src: preview.preview_url, title: frameTitle, id: "preview-pdf", loading: "eager" }),
      h(
        "p",
        { class: "muted" },
        "Cannot see the preview? ",
        h("a", { href: preview.preview_url, target: "_blank", rel: "noopener noreferrer" }, "Open the preview PDF"),
        ".",
      ),
    ),
  );
  return { title: "Preview", element: section };
}
