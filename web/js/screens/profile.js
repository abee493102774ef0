// Profile: the name as it prints, degree, first and last name, ABP ID, birth month and day, time zone,
// and whether to be reminded before unclaimed credit expires.

import { formatDate, h, uid } from "../dom.js";
import { reasonText } from "../messages.js";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function textField(name, label, value, { maxlength, required, hint, autocomplete, inputmode } = {}) {
  const id = uid(name);
  const hintId = hint ? uid(`${name}-hint`) : null;
  const errorId = uid(`${name}-error`);
  const input = h("input", {
    id,
    name,
    value: value || "",
    maxlength: maxlength ? String(maxlength) : null,
    required: Boolean(required),
    autocomplete: autocomplete || "off",
    inputmode: inputmode || null,
    "aria-describedby": [hintId, errorId].filter(Boolean).join(" "),
  });
  return {
    input,
    error: h("p", { class: "field-error", id: errorId }),
    element: null,
    build() {
      this.element = h(
        "div",
        { class: "field" },
        h("label", { for: id }, label, required ? h("span", { class: "required" }, " (required)") : null),
        hint ? h("p", { class: "hint", id: hintId }, hint) : null,
        input,
        this.error,
      );
      return this.element;
    },
  };
}

export async function render(app, _params, query) {
  const { state, api } = app;
  const me = await app.loadMe(true);
  const fromPreview = query.get("from") === "preview" && state.pending;

  const fields = {
    display_name: textField("display_name", "Name on certificates", me.display_name, {
      maxlength: 120,
      required: true,
      hint: "Printed on your certificates exactly as written, for example “Dana Whitfield”.",
      autocomplete: "name",
    }),
    degree: textField("degree", "Degree", me.degree, { maxlength: 40, hint: "For example MD, DO, PA-C, RN.", autocomplete: "honorific-suffix" }),
    first_name: textField("first_name", "First name", me.first_name, { maxlength: 60, autocomplete: "given-name" }),
    last_name: textField("last_name", "Last name", me.last_name, { maxlength: 60, autocomplete: "family-name" }),
    "board_ids.ABP": textField("abp_id", "ABP ID", me.board_ids?.ABP, {
      maxlength: 40,
      inputmode: "numeric",
      hint: "Your American Board of Pediatrics ID number, needed for ABP MOC Part 2 credit.",
    }),
  };

  const [month, day] = (me.birth_month_day || "").split("-");
  const monthId = uid("birth-month");
  const dayId = uid("birth-day");
  const birthErrorId = uid("birth-error");
  const monthSelect = h(
    "select",
    { id: monthId, name: "birth_month", "aria-describedby": birthErrorId },
    h("option", { value: "" }, "Not set"),
    MONTHS.map((name, i) => {
      const value = String(i + 1).padStart(2, "0");
      return h("option", { value, selected: value === month }, name);
    }),
  );
  const daySelect = h("select", { id: dayId, name: "birth_day", "aria-describedby": birthErrorId });
  const fillDays = (initial) => {
    const chosen = initial ?? daySelect.value;
    const count = monthSelect.value ? DAYS_IN_MONTH[Number(monthSelect.value) - 1] : 31;
    daySelect.replaceChildren(
      h("option", { value: "" }, "Not set"),
      ...Array.from({ length: count }, (_, i) => {
        const value = String(i + 1).padStart(2, "0");
        return h("option", { value, selected: value === chosen }, String(i + 1));
      }),
    );
  };
  fillDays(day || "");
  monthSelect.addEventListener("change", () => fillDays());
  const birthError = h("p", { class: "field-error", id: birthErrorId });
  const birth = h(
    "fieldset",
    { class: "birth" },
    h("legend", {}, "Birth month and day"),
    h("p", { class: "hint" }, "Needed with your ABP ID for ABP MOC Part 2 credit. No year is stored."),
    h("div", { class: "inline-fields" }, h("div", { class: "field" }, h("label", { for: monthId }, "Month"), monthSelect), h("div", { class: "field" }, h("label", { for: dayId }, "Day"), daySelect)),
    birthError,
  );

  // Time zone: the dates on certificates are days where the learner lives. The browser's own zone is
  // offered first when none is set yet; the server knows every IANA zone.
  const zoneId = uid("time-zone");
  const zoneErrorId = uid("time-zone-error");
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const current = me.time_zone || "UTC";
  const zoneNames = [...new Set(["UTC", current, browserZone, ...zones].filter(Boolean))];
  const zoneSelect = h(
    "select",
    { id: zoneId, name: "time_zone", "aria-describedby": zoneErrorId },
    zoneNames.map((zone) => h("option", { value: zone, selected: zone === current }, zone === "UTC" ? "UTC (coordinated universal time)" : zone.replaceAll("_", " "))),
  );
  const zoneError = h("p", { class: "field-error", id: zoneErrorId });
  const zoneField = h(
    "div",
    { class: "field" },
    h("label", { for: zoneId }, "Time zone"),
    h("p", { class: "hint" }, `Dates on your certificates are the days where you live.${browserZone && browserZone !== current ? ` This device is set to ${browserZone.replaceAll("_", " ")}.` : ""}`),
    zoneSelect,
    zoneError,
  );

  const remindersId = uid("reminders");
  const remindersBox = h("input", { type: "checkbox", id: remindersId, name: "reminders", checked: me.reminders !== false });
  const remindersField = h(
    "div",
    { class: "field field--check" },
    remindersBox,
    h("label", { for: remindersId }, "Send me a reminder by email before credit I have not claimed expires"),
  );

  const status = h("div");
  const save = h("button", { type: "submit", class: "button" }, "Save profile");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    Object.values(fields).map((f) => f.build()),
    birth,
    zoneField,
    remindersField,
    status,
    h("div", { class: "actions" }, fromPreview ? h("a", { href: "#/preview", class: "button button--secondary" }, "Back to preview") : null, save),
  );

  const clearErrors = () => {
    for (const f of Object.values(fields)) {
      f.error.textContent = "";
      f.input.removeAttribute("aria-invalid");
    }
    birthError.textContent = "";
    zoneError.textContent = "";
    zoneSelect.removeAttribute("aria-invalid");
    monthSelect.removeAttribute("aria-invalid");
    daySelect.removeAttribute("aria-invalid");
  };
  const fieldError = (key, message) => {
    if (key === "birth_month_day") {
      birthError.textContent = message;
      monthSelect.setAttribute("aria-invalid", "true");
      daySelect.setAttribute("aria-invalid", "true");
      return monthSelect;
    }
    if (key === "time_zone") {
      zoneError.textContent = message;
      zoneSelect.setAttribute("aria-invalid", "true");
      return zoneSelect;
    }
    const f = fields[key];
    if (!f) return null;
    f.error.textContent = message;
    f.input.setAttribute("aria-invalid", "true");
    return f.input;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    status.replaceChildren();
    const name = fields.display_name.input.value.trim();
    let first = null;
    if (!name) first = fieldError("display_name", "Enter your name as it should print on certificates.");
    if (Boolean(monthSelect.value) !== Boolean(daySelect.value)) {
      first ||= fieldError("birth_month_day", "Choose both a month and a day, or neither.");
    }
    if (first) {
      first.focus();
      return;
    }
    const abp = fields["board_ids.ABP"].input.value.trim();
    const body = {
      display_name: name,
      degree: fields.degree.input.value.trim(),
      first_name: fields.first_name.input.value.trim(),
      last_name: fields.last_name.input.value.trim(),
      board_ids: { ABP: abp || null },
      birth_month_day: monthSelect.value ? `${monthSelect.value}-${daySelect.value}` : null,
      time_zone: zoneSelect.value || null,
      reminders: remindersBox.checked,
    };
    save.disabled = true;
    try {
      state.me = await api.saveMe(body);
      app.state.session.name = state.me.display_name || app.state.session.name;
      document.getElementById("account-name").textContent = `Signed in as ${state.me.display_name}`;
      status.replaceChildren(app.successBox("Profile saved", fromPreview ? "Go back to the preview to see your name as it will print." : null));
      app.announce("Profile saved.");
    } catch (error) {
      if (error.code === "unauthorized") return;
      let focus = null;
      if (error.code === "validation_error") {
        for (const detail of error.details) focus ||= fieldError(detail.field, reasonText(detail.reason));
      }
      status.replaceChildren(app.errorBox(error, {}, { onRetry: () => form.requestSubmit() }));
      focus?.focus();
    } finally {
      save.disabled = false;
    }
  });

  const membership = me.membership || {};
  return {
    title: "Profile",
    element: h(
      "section",
      { class: "narrow" },
      h("h1", {}, "Your profile"),
      app.takeFlash(),
      h(
        "p",
        { class: "membership", id: "membership" },
        membership.premium
          ? `Premium membership${membership.premium_until ? ` until ${formatDate(membership.premium_until)}` : ""}.`
          : "No active premium membership: you can see your credits, but claiming them needs a premium membership.",
      ),
      form,
    ),
  };
}

