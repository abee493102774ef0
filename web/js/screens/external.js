// Add credit earned elsewhere: what it was, then its certificate file, uploaded straight to storage
// with a progress bar, and checked by the service on arrival before it is attached.

import * as amounts from "../amounts.js";
import { h, uid } from "../dom.js";
import { reasonText } from "../messages.js";
import { fileProblem, putFile } from "../upload.js";

const CHECK_WAIT_MS = 20_000;
const MAX_AMOUNT = 50_000; // hundredths: API.md allows up to 500 credits

function today() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

function field(name, label, control, { hint, required } = {}) {
  const errorId = uid(`${name}-error`);
  const hintId = hint ? uid(`${name}-hint`) : null;
  control.id ||= uid(name);
  control.name = name;
  control.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  const error = h("p", { class: "field-error", id: errorId });
  const element = h(
    "div",
    { class: "field" },
    h("label", { for: control.id }, label, required ? h("span", { class: "required" }, " (required)") : null),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    control,
    error,
  );
  return { control, error, element };
}

/** Wait until the service has checked the upload (the certificate is attached), or give up. */
async function checked(api, id) {
  const deadline = Date.now() + CHECK_WAIT_MS;
  while (Date.now() < deadline) {
    const credit = await api.externalCredit(id);
    if (credit.certificate) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

export async function render(app) {
  const { api } = app;
  const [types, tags] = await Promise.all([api.externalCreditTypes(), api.topicTags()]);
  app.rememberCreditTypes(types.items || []);

  const fields = {
    title: field("title", "Activity title", h("input", { maxlength: "300", autocomplete: "off" }), { required: true }),
    provider: field("provider", "Provider", h("input", { maxlength: "200", autocomplete: "organization" }), {
      required: true,
      hint: "Who gave the credit, for example “American College of Emergency Physicians”.",
    }),
    credit_type: field(
      "credit_type",
      "Credit type",
      h("select", {}, (types.items || []).map((t) => h("option", { value: t.code, selected: t.code === "AMA_PRA_1" }, t.label))),
      { required: true },
    ),
    amount: field("amount", "Credits", h("input", { type: "text", inputmode: "decimal", autocomplete: "off", size: "6" }), {
      required: true,
      hint: "As on the certificate, for example 7.5 (at most 500).",
    }),
    completed_on: field("completed_on", "Date completed", h("input", { type: "date", max: today() }), { required: true }),
  };
  const topicsErrorId = uid("topics-error");
  const topicBoxes = (tags.items || []).map((tag) => {
    const id = uid("topic");
    return { tag: tag.tag, box: h("input", { type: "checkbox", id, value: tag.tag }), label: h("label", { for: id }, tag.label) };
  });
  const topicsError = h("p", { class: "field-error", id: topicsErrorId });
  const topics = h(
    "fieldset",
    { class: "topic-tags", "aria-describedby": topicsErrorId },
    h("legend", {}, "Topics it covered"),
    h("p", { class: "hint" }, "Some requirements count only credit on these topics (pain management, implicit bias, patient safety …)."),
    h("div", { class: "topic-tags__list" }, topicBoxes.map((t) => h("div", { class: "choice" }, t.box, t.label))),
    topicsError,
  );
  const liveId = uid("live");
  const live = h("input", { type: "checkbox", id: liveId, name: "live" });
  const file = field("certificate", "Certificate file", h("input", { type: "file", accept: "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg" }), {
    hint: "A PDF, PNG or JPEG of the certificate, at most 10 MB. It is kept with the credit for an audit.",
  });

  file.control.addEventListener("change", () => {
    const problem = fileProblem(file.control.files?.[0] || null);
    file.error.textContent = problem || "";
    if (problem) file.control.setAttribute("aria-invalid", "true");
    else file.control.removeAttribute("aria-invalid");
  });

  const progressId = uid("upload");
  const bar = h("progress", { id: progressId, max: "100", value: "0" });
  const barText = h("span", { class: "muted" });
  const uploadArea = h("div", { class: "upload-progress", hidden: true }, h("label", { for: progressId }, "Uploading the certificate file"), bar, " ", barText);
  const status = h("div");
  const save = h("button", { type: "submit", class: "button" }, "Save credit");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    Object.values(fields).map((f) => f.element),
    topics,
    h("div", { class: "field choice" }, live, h("label", { for: liveId }, "It was a live activity (not enduring material)")),
    file.element,
    status,
    h("div", { class: "actions" }, h("a", { href: "#/requirements", class: "button button--secondary" }, "Cancel"), save),
  );

  const clearErrors = () => {
    for (const f of [...Object.values(fields), file]) {
      f.error.textContent = "";
      f.control.removeAttribute("aria-invalid");
    }
    topicsError.textContent = "";
  };
  const fieldError = (name, message) => {
    if (name.startsWith("topics")) {
      topicsError.textContent = message;
      return topicBoxes[0]?.box || null;
    }
    const f = fields[name] || (name === "certificate" ? file : null);
    if (!f) return null;
    f.error.textContent = message;
    f.control.setAttribute("aria-invalid", "true");
    return f.control;
  };

  async function upload(created, chosen) {
    uploadArea.hidden = false;
    const show = (sent, total) => {
      const percent = total ? Math.round((100 * sent) / total) : 0;
      bar.value = percent;
      barText.textContent = `${percent}%`;
    };
    show(0, chosen.size);
    await putFile(created.upload_url, chosen, show);
    barText.textContent = "100%: checking the file…";
    const ok = await checked(api, created.external_credit_id);
    barText.textContent = ok ? "100%: checked" : "100%: still being checked";
    return ok;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    status.replaceChildren();
    const values = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.control.value.trim()]));
    const amount = amounts.parse(values.amount);
    const chosen = file.control.files?.[0] || null;
    const problems = [
      !values.title && ["title", "Enter the activity's title."],
      !values.provider && ["provider", "Enter who provided it."],
      (amount === null || amount <= 0 || amount > MAX_AMOUNT) && ["amount", "Enter the credits, more than 0 and at most 500, such as 7.5."],
      !values.completed_on && ["completed_on", "Enter the date you completed it."],
      fileProblem(chosen) && ["certificate", fileProblem(chosen)],
    ].filter(Boolean);
    // Every field that needs a change says so; the focus goes to the first.
    const first = problems.map(([name, message]) => fieldError(name, message))[0];
    if (first) {
      first.focus();
      return;
    }
    const body = {
      title: values.title,
      provider: values.provider,
      credit_type: values.credit_type,
      amount: amounts.toApi(amount),
      completed_on: values.completed_on,
      topics: topicBoxes.filter((t) => t.box.checked).map((t) => t.tag),
      live: live.checked,
    };
    save.disabled = true;
    let created;
    try {
      created = await api.recordExternalCredit(body);
    } catch (error) {
      save.disabled = false;
      if (error.code === "unauthorized") return;
      let focus = null;
      if (error.code === "validation_error") {
        for (const detail of error.details) {
          const marked = fieldError(String(detail.field || ""), reasonText(detail.reason));
          focus ||= marked;
        }
      }
      status.replaceChildren(app.errorBox(error, {}, { onRetry: () => form.requestSubmit() }));
      focus?.focus();
      return;
    }
    let words = "It now counts toward your requirements, marked self-reported.";
    if (chosen) {
      try {
        words += (await upload(created, chosen))
          ? " Its certificate file was checked and is attached."
          : " Its certificate file is still being checked; it is attached once it passes.";
      } catch (error) {
        if (error.code === "unauthorized") return;
        words += " Its certificate file could not be uploaded: delete the credit and add it again to attach one.";
      }
    }
    form.replaceWith(
      h(
        "div",
        { class: "stack" },
        chosen ? uploadArea : null,
        app.successBox("Credit saved", words),
        h(
          "div",
          { class: "actions" },
          h("a", { href: "#/requirements", class: "button" }, "Back to requirements"),
          h("button", { type: "button", class: "button button--secondary", onclick: () => app.navigate("#/external-credit") }, "Add another"),
        ),
      ),
    );
    app.announce("Credit saved.");
  });

  return {
    title: "Add credit earned elsewhere",
    element: h(
      "section",
      { class: "narrow" },
      h("h1", {}, "Add credit earned elsewhere"),
      app.takeFlash(),
      h("p", { class: "lead" }, "Record credit from another provider: it counts toward your requirements as self-reported credit."),
      form,
      uploadArea, // outside the form: it stays on the screen with the outcome
    ),
  };
}
