// Unclaimed: the credit type, credits grouped by course, checkboxes and amounts, a running total.

import * as amounts from "../amounts.js";
import { clear, daysUntil, formatDate, h, uid } from "../dom.js";

const MAX_SELECTIONS = 5000; // API.md: at most 5,000 selections per claim
const EXPIRY_WARNING_DAYS = 60;

function groupByCourse(items) {
  const courses = new Map();
  for (const item of items) {
    if (!courses.has(item.course_id)) courses.set(item.course_id, { id: item.course_id, title: item.course_title, items: [] });
    courses.get(item.course_id).items.push(item);
  }
  return [...courses.values()].sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
}

export async function render(app, _params, query) {
  const { state, api } = app;
  const [types, me] = await Promise.all([app.loadCreditTypes(), app.loadMe()]);
  const requested = query.get("type");
  if (requested && types.some((t) => t.code === requested) && requested !== state.creditType) {
    state.creditType = requested;
    state.selection = new Map();
  }
  if (!types.some((t) => t.code === state.creditType) && types.length) state.creditType = types[0].code;

  const flash = app.takeFlash();
  const typeId = uid("credit-type");
  const select = h(
    "select",
    { id: typeId, name: "credit_type" },
    types.map((t) => h("option", { value: t.code, selected: t.code === state.creditType }, t.label)),
  );
  const listArea = h("div", { class: "credit-list" });
  const membershipNote =
    me.membership && !me.membership.premium
      ? h(
          "p",
          { class: "notice notice--info", id: "membership-note" },
          "Claiming credit needs a premium membership, and yours is not active. You can still see what you have earned.",
        )
      : null;

  const section = h(
    "section",
    {},
    h("h1", {}, "Unclaimed credits"),
    flash,
    membershipNote,
    h(
      "div",
      { class: "field field--inline" },
      h("label", { for: typeId }, "Credit type"),
      select,
    ),
    listArea,
  );

  let loads = 0;
  async function loadList() {
    const current = ++loads; // only the latest request may fill the list (switching types quickly)
    listArea.setAttribute("aria-busy", "true");
    clear(listArea).append(h("p", { role: "status", class: "muted" }, "Loading your credits…"));
    let items;
    try {
      items = await api.credits(state.creditType);
    } catch (error) {
      if (error.code === "unauthorized" || current !== loads) return;
      clear(listArea).append(app.errorBox(error, {}, { onRetry: loadList }));
      listArea.removeAttribute("aria-busy");
      return;
    }
    if (current !== loads) return;
    buildList(items);
    listArea.removeAttribute("aria-busy");
  }

  select.addEventListener("change", () => {
    state.creditType = select.value;
    state.selection = new Map();
    window.history.replaceState(null, "", `#/credits?type=${encodeURIComponent(state.creditType)}`);
    loadList().then(() => app.announce(`Showing ${app.creditTypeLabel(state.creditType)} credits.`));
  });

  function buildList(items) {
    const code = state.creditType;
    const label = app.creditTypeLabel(code);
    const claimable = new Map(items.map((item) => [item.credit_id, amounts.fromApi(item.claimable?.[code] ?? 0)]));
    const usable = items.filter((item) => claimable.get(item.credit_id) > 0);
    // Keep what is still claimable of an earlier selection (after a refusal the list is fresh).
    for (const [creditId, text] of [...state.selection]) {
      const left = claimable.get(creditId);
      if (!left) state.selection.delete(creditId);
      else if ((amounts.parse(text) ?? 0) > left) state.selection.set(creditId, amounts.format(left));
    }
    clear(listArea);
    if (!usable.length) {
      listArea.append(
        h("p", { class: "empty" }, `You have no unclaimed ${label} credits right now. Credits you earn in courses appear here.`),
      );
      return;
    }
    const courses = groupByCourse(usable);
    const grandTotal = amounts.sum(usable.map((i) => claimable.get(i.credit_id)));
    const rows = new Map(); // credit_id -> {checkbox, input, error, item}
    const courseBoxes = [];

    const selectAll = h("input", { type: "checkbox", id: uid("select-all"), class: "select-all" });
    const header = h(
      "div",
      { class: "select-all-row" },
      h(
        "label",
        { for: selectAll.id },
        selectAll,
        h("span", {}, "Select all credits"),
      ),
      h("span", { class: "muted" }, ` ${usable.length} ${usable.length === 1 ? "topic" : "topics"}, ${amounts.credits(grandTotal)} in ${courses.length} ${courses.length === 1 ? "course" : "courses"}`),
    );

    const total = h("p", { class: "claim-bar__total", id: uid("total"), "aria-live": "polite" });
    const button = h("button", { type: "submit", class: "button claim-button" }, "Claim 0 credits");
    const formError = h("p", { class: "field-error", role: "alert", hidden: true });
    const form = h("form", { class: "claim-form", novalidate: true, "aria-label": `Unclaimed ${label} credits` }, header);

    for (const course of courses) {
      const courseTotal = amounts.sum(course.items.map((i) => claimable.get(i.credit_id)));
      const courseBox = h("input", { type: "checkbox", id: uid("course"), dataset: { courseId: course.id } });
      const headingId = uid("course-title");
      const list = h("ul", { class: "topics", "aria-labelledby": headingId });
      for (const item of course.items) {
        const left = claimable.get(item.credit_id);
        const boxId = uid("credit");
        const inputId = uid("amount");
        const hintId = uid("hint");
        const errorId = uid("error");
        const selected = state.selection.has(item.credit_id);
        const checkbox = h("input", {
          type: "checkbox",
          id: boxId,
          checked: selected,
          dataset: { creditId: item.credit_id },
        });
        const input = h("input", {
          id: inputId,
          class: "amount",
          type: "text",
          inputmode: "decimal",
          autocomplete: "off",
          size: "5",
          value: selected ? state.selection.get(item.credit_id) : amounts.format(left),
          disabled: !selected,
          "aria-describedby": `${hintId} ${errorId}`,
          dataset: { creditId: item.credit_id },
        });
        const error = h("span", { class: "field-error", id: errorId });
        const days = daysUntil(item.expires_at);
        const expiry = h(
          "span",
          { class: days <= EXPIRY_WARNING_DAYS ? "expiry expiry--soon" : "expiry" },
          days <= EXPIRY_WARNING_DAYS ? `Expires soon: ${formatDate(item.expires_at)}` : `Expires ${formatDate(item.expires_at)}`,
        );
        const row = h(
          "li",
          { class: "topic", dataset: { creditId: item.credit_id } },
          h("div", { class: "topic__choose" }, checkbox, h("label", { for: boxId, class: "topic__name" }, item.topic)),
          h("p", { class: "topic__meta" }, `Earned ${formatDate(item.earned_at)}`, " · ", expiry),
          h(
            "div",
            { class: "topic__amount" },
            h("label", { for: inputId, class: "visually-hidden" }, `Credits to claim for ${item.topic}`),
            input,
            h("span", { id: hintId, class: "muted" }, ` of ${amounts.format(left)} ${left === 100 ? "credit" : "credits"}`),
            error,
          ),
        );
        rows.set(item.credit_id, { checkbox, input, error, item, left, course: course.id });
        checkbox.addEventListener("change", () => {
          setSelected(item.credit_id, checkbox.checked);
          update();
        });
        input.addEventListener("input", () => {
          state.selection.set(item.credit_id, input.value);
          update();
        });
        list.append(row);
      }
      courseBox.addEventListener("change", () => {
        for (const item of course.items) setSelected(item.credit_id, courseBox.checked);
        update();
      });
      courseBoxes.push({ box: courseBox, course });
      form.append(
        h(
          "section",
          { class: "course", dataset: { courseId: course.id } },
          h("h2", { id: headingId, class: "course__title" }, course.title),
          h(
            "div",
            { class: "course__all" },
            h("label", { for: courseBox.id }, courseBox, h("span", {}, `All topics in this course`)),
            h("span", { class: "muted" }, ` ${course.items.length} ${course.items.length === 1 ? "topic" : "topics"}, ${amounts.credits(courseTotal)}`),
          ),
          list,
        ),
      );
    }

    form.append(h("div", { class: "claim-bar" }, total, formError, button));
    listArea.append(form);

    function setSelected(creditId, on) {
      const row = rows.get(creditId);
      row.checkbox.checked = on;
      row.input.disabled = !on;
      if (on) {
        if (!state.selection.has(creditId)) state.selection.set(creditId, amounts.format(row.left));
        row.input.value = state.selection.get(creditId);
      } else {
        state.selection.delete(creditId);
        row.input.value = amounts.format(row.left);
      }
    }

    selectAll.addEventListener("change", () => {
      for (const creditId of rows.keys()) setSelected(creditId, selectAll.checked);
      update();
    });

    /** The total, the button, the tri-state checkboxes and each amount's error, from the selection. */
    function update() {
      let sum = 0;
      let count = 0;
      let invalid = 0;
      for (const [creditId, row] of rows) {
        const on = state.selection.has(creditId);
        let problem = null;
        if (on) {
          count += 1;
          const value = amounts.parse(state.selection.get(creditId));
          problem = amounts.problem(value, row.left);
          if (problem) invalid += 1;
          else sum += value;
        }
        row.error.textContent = problem ? ` ${problem}` : "";
        if (problem) row.input.setAttribute("aria-invalid", "true");
        else row.input.removeAttribute("aria-invalid");
      }
      selectAll.checked = count === rows.size;
      selectAll.indeterminate = count > 0 && count < rows.size;
      for (const { box, course } of courseBoxes) {
        const chosen = course.items.filter((i) => state.selection.has(i.credit_id)).length;
        box.checked = chosen === course.items.length;
        box.indeterminate = chosen > 0 && chosen < course.items.length;
      }
      total.textContent =
        count === 0
          ? "No credits selected"
          : `Selected: ${amounts.credits(sum)} from ${count} ${count === 1 ? "topic" : "topics"}`;
      button.textContent = `Claim ${amounts.credits(sum)}`;
      button.disabled = count === 0 || invalid > 0 || sum === 0;
      button.dataset.total = amounts.format(sum);
      formError.hidden = true;
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      update();
      const chosen = usable.filter((item) => state.selection.has(item.credit_id));
      const firstInvalid = [...rows.values()].find((r) => r.input.getAttribute("aria-invalid") === "true");
      if (firstInvalid) {
        firstInvalid.input.focus();
        return;
      }
      if (!chosen.length) return;
      if (chosen.length > MAX_SELECTIONS) {
        formError.textContent = `You can claim up to ${MAX_SELECTIONS.toLocaleString()} topics at once. Choose fewer topics, then claim the rest afterwards.`;
        formError.hidden = false;
        return;
      }
      const selections = chosen.map((item) => ({
        credit_id: item.credit_id,
        amount: amounts.toApi(amounts.parse(state.selection.get(item.credit_id))),
      }));
      state.pending = {
        body: { credit_type: code, selections },
        key: null,
        topics: new Map(chosen.map((item) => [item.credit_id, item])),
        creditTypeLabel: label,
      };
      app.navigate("#/preview");
    });

    update();
  }

  await loadList();
  return { title: "Unclaimed credits", element: section };
}
