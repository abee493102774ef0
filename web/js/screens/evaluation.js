// Evaluation (optional), right after a claim: three ratings, bias, what will change, comments.

import * as amounts from "../amounts.js";
import { h, uid } from "../dom.js";

const RATINGS = [
  ["overall", "Overall, how would you rate this activity?"],
  ["relevance", "How relevant was it to your practice?"],
  ["quality", "How would you rate the quality of the content?"],
];
const SCALE = ["Poor", "Fair", "Good", "Very good", "Excellent"];

function radioGroup(name, legend, options) {
  const errorId = uid(`${name}-error`);
  const fieldset = h(
    "fieldset",
    { class: "choices", "aria-describedby": errorId, dataset: { field: name } },
    h("legend", {}, legend),
    options.map(([value, text]) => {
      const id = uid(name);
      return h("div", { class: "choice" }, h("input", { type: "radio", id, name, value }), h("label", { for: id }, text));
    }),
    h("p", { class: "field-error", id: errorId }),
  );
  return fieldset;
}

export async function render(app, params) {
  const { state, api } = app;
  const claimId = params[0];
  const claim = state.lastClaim?.claim_id === claimId ? state.lastClaim : await api.getClaim(claimId);
  if (claim.evaluation_submitted) {
    app.navigate(`#/done/${encodeURIComponent(claimId)}`, { replace: true });
    return null;
  }
  const label = app.creditTypeLabel(claim.credit_type);
  const total = amounts.credits(amounts.fromApi(claim.total));

  const groups = RATINGS.map(([name, legend]) =>
    radioGroup(
      name,
      legend,
      SCALE.map((text, i) => [String(i + 1), `${i + 1} ${text}`]),
    ),
  );
  const bias = radioGroup("free_of_bias", "Was the activity free of commercial bias?", [
    ["true", "Yes"],
    ["false", "No"],
  ]);
  const changeId = uid("practice-change");
  const commentsId = uid("comments");
  const practiceChange = h("textarea", { id: changeId, name: "practice_change", rows: "3", maxlength: "2000" });
  const comments = h("textarea", { id: commentsId, name: "comments", rows: "3", maxlength: "2000" });
  const status = h("div");
  const submit = h("button", { type: "submit", class: "button" }, "Submit evaluation");
  const skip = h("a", { href: `#/done/${encodeURIComponent(claimId)}`, class: "button button--secondary", id: "skip" }, "Skip the evaluation");

  const form = h(
    "form",
    { class: "stack evaluation", novalidate: true },
    groups,
    bias,
    h(
      "div",
      { class: "field" },
      h("label", { for: changeId }, "What will you change in your practice? (optional)"),
      practiceChange,
    ),
    h("div", { class: "field" }, h("label", { for: commentsId }, "Comments (optional)"), comments),
    status,
    h("div", { class: "actions" }, skip, submit),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    let firstMissing = null;
    for (const fieldset of form.querySelectorAll("fieldset[data-field]")) {
      const missing = !data.get(fieldset.dataset.field);
      fieldset.querySelector(".field-error").textContent = missing ? "Please choose one." : "";
      if (missing) fieldset.setAttribute("aria-invalid", "true");
      else fieldset.removeAttribute("aria-invalid");
      if (missing && !firstMissing) firstMissing = fieldset;
    }
    if (firstMissing) {
      firstMissing.querySelector("input").focus();
      app.announce("Please answer every question marked as required.");
      return;
    }
    const body = {
      ratings: Object.fromEntries(RATINGS.map(([name]) => [name, Number(data.get(name))])),
      free_of_bias: data.get("free_of_bias") === "true",
    };
    if (practiceChange.value.trim()) body.practice_change = practiceChange.value.trim();
    if (comments.value.trim()) body.comments = comments.value.trim();
    submit.disabled = true;
    status.replaceChildren(h("p", { role: "status" }, "Sending your evaluation…"));
    try {
      await api.evaluate(claimId, body);
      state.evaluated = claimId;
      app.navigate(`#/done/${encodeURIComponent(claimId)}`);
    } catch (error) {
      if (error.code === "unauthorized") return;
      if (error.code === "evaluation_exists") {
        state.evaluated = claimId;
        app.navigate(`#/done/${encodeURIComponent(claimId)}`);
        return;
      }
      submit.disabled = false;
      status.replaceChildren(app.errorBox(error, {}, { onRetry: () => form.requestSubmit() }));
    }
  });

  return {
    title: "Evaluation",
    after: () => app.announce(`Credits claimed: ${total} of ${label}. Your certificate is being prepared.`),
    element: h(
      "section",
      { class: "narrow" },
      app.successBox("Credits claimed", `You claimed ${total} of ${label}. Your certificate is being prepared.`),
      h("h1", {}, "Evaluate this activity"),
      h("p", {}, "Optional, and it takes a minute: your answers help the provider improve its courses. Questions 1 to 4 are required to send it."),
      form,
    ),
  };
}
