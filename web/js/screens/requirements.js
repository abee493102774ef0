// Requirements: progress toward each set the learner follows (a bar per rule, what is missing, the
// deadline, which unclaimed credit to claim as what), the sets chosen, and credit earned elsewhere.

import * as amounts from "../amounts.js";
import { clear, formatDate, h, uid } from "../dom.js";
import { reasonText } from "../messages.js";

const SHOWN_SUGGESTIONS = 2;

/** "Jan 1, 2024" for a YYYY-MM-DD date, whatever the browser's zone (dates are days, not times). */
export function formatDay(day) {
  return day ? formatDate(`${day}T12:00:00Z`) : "";
}

function figure(value) {
  return amounts.format(amounts.fromApi(value ?? 0));
}

function suggestionText(app, suggestion, remaining) {
  const label = app.creditTypeLabel(suggestion.credit_type);
  const claimable = figure(suggestion.claimable);
  if (amounts.fromApi(suggestion.reduces_remaining_by) >= amounts.fromApi(remaining)) {
    return `Claim ${claimable} ${Number(suggestion.claimable) === 1 ? "credit" : "credits"} of ${label} to meet this`;
  }
  return `Claim ${claimable} ${Number(suggestion.claimable) === 1 ? "credit" : "credits"} of ${label}: ${figure(suggestion.reduces_remaining_by)} more toward this`;
}

function ruleItem(app, rule, explained) {
  const labelId = uid("rule");
  if (rule.required === null || rule.required === undefined) {
    // A cap, weight or roll-over: it changes how the set counts; no bar, what it counted.
    return h(
      "li",
      { class: "rule rule--modifier", dataset: { rule: rule.rule } },
      h("p", { class: "rule__description" }, rule.description),
      h("p", { class: "rule__figures muted" }, `Counted under this rule: ${figure(rule.counted)}`),
    );
  }
  const required = amounts.fromApi(rule.required);
  const counted = amounts.fromApi(rule.counted);
  const bar = h("progress", {
    class: "rule__bar",
    max: String(required),
    value: String(Math.min(counted, required)),
    "aria-labelledby": labelId,
  });
  const state = rule.met
    ? h("span", { class: "status status--met" }, "Met")
    : h("span", { class: "status status--missing" }, `${figure(rule.remaining)} more needed`);
  const suggestions = rule.met ? [] : (explained?.suggestions || []).slice(0, SHOWN_SUGGESTIONS);
  return h(
    "li",
    { class: "rule", dataset: { rule: rule.rule, met: String(rule.met) } },
    h("p", { class: "rule__description", id: labelId }, rule.description, explained && !explained.verified ? h("span", { class: "badge" }, " Unverified") : null),
    bar,
    h("p", { class: "rule__figures" }, h("span", {}, `${figure(rule.counted)} of ${figure(rule.required)}`), " · ", state),
    explained?.note && !explained.verified ? h("p", { class: "hint" }, explained.note) : null,
    suggestions.length
      ? h(
          "ul",
          { class: "suggestions" },
          suggestions.map((s) =>
            h("li", {}, h("a", { href: `#/credits?type=${encodeURIComponent(s.credit_type)}`, class: "suggestion", dataset: { creditType: s.credit_type } }, suggestionText(app, s, rule.remaining))),
          ),
        )
      : null,
  );
}

function setCard(app, item, explained, definition) {
  const rules = new Map((explained?.rules || []).map((r) => [r.rule, r]));
  const headingId = uid("set");
  const cycle = item.cycle_end
    ? h(
        "p",
        { class: "requirement__cycle" },
        `Cycle ${formatDay(item.cycle_start)} – ${formatDay(item.cycle_end)} · `,
        h("strong", {}, `Due by ${formatDay(item.cycle_end)}`),
      )
    : h("p", { class: "requirement__cycle" }, "A one-time requirement: credit earned at any time counts.");
  return h(
    "section",
    { class: "requirement", "aria-labelledby": headingId, dataset: { code: item.code, met: String(item.met) } },
    h(
      "h2",
      { id: headingId, class: "requirement__title" },
      item.name,
      " ",
      item.met ? h("span", { class: "status status--met" }, "Met") : h("span", { class: "status status--missing" }, "Not met yet"),
    ),
    definition ? h("p", { class: "muted requirement__authority" }, definition.authority) : null,
    cycle,
    explained && !explained.verified
      ? h("p", { class: "notice notice--info" }, "Some of these rules come from secondary sources and are not yet confirmed by the authority; they are marked Unverified.")
      : null,
    h("ul", { class: "rules" }, item.rules.map((rule) => ruleItem(app, rule, rules.get(rule.rule)))),
    explained?.notes?.length ? h("details", { class: "requirement__notes" }, h("summary", {}, "Notes"), h("ul", {}, explained.notes.map((n) => h("li", {}, n)))) : null,
  );
}

function externalList(app, credits, reload) {
  if (!credits.length) {
    return h("p", { class: "empty" }, "You have not recorded any credit earned elsewhere.");
  }
  const list = h("ul", { class: "external-credits" });
  for (const credit of credits) {
    const problem = h("div");
    const open = h("button", { type: "button", class: "button button--small button--secondary" }, "Open certificate");
    open.addEventListener("click", async () => {
      problem.replaceChildren();
      try {
        const found = await app.api.externalCredit(credit.external_credit_id);
        if (found.certificate) window.open(found.certificate.url, "_blank", "noopener");
        else problem.replaceChildren(h("p", { class: "hint" }, "No certificate file is attached (or it is still being checked)."));
      } catch (error) {
        if (error.code !== "unauthorized") problem.replaceChildren(app.errorBox(error));
      }
    });
    const remove = h("button", { type: "button", class: "button button--small button--secondary" }, "Delete");
    const actions = h("div", { class: "external-credit__actions" }, open, remove);
    remove.addEventListener("click", () => {
      const yes = h("button", { type: "button", class: "button button--small" }, "Yes, delete it");
      const no = h("button", { type: "button", class: "button button--small button--secondary" }, "Keep it");
      const question = h("p", { role: "alert", class: "external-credit__confirm" }, `Delete “${credit.title}” and its certificate file?`, " ", yes, " ", no);
      actions.replaceWith(question);
      yes.focus();
      no.addEventListener("click", () => {
        question.replaceWith(actions);
        remove.focus();
      });
      yes.addEventListener("click", async () => {
        yes.disabled = true;
        try {
          await app.api.deleteExternalCredit(credit.external_credit_id);
          app.announce(`Deleted ${credit.title}.`);
          reload();
        } catch (error) {
          if (error.code !== "unauthorized") question.after(app.errorBox(error));
          yes.disabled = false;
        }
      });
    });
    list.append(
      h(
        "li",
        { class: "external-credit", dataset: { externalCreditId: credit.external_credit_id } },
        h("p", { class: "external-credit__title" }, credit.title),
        h(
          "p",
          { class: "muted" },
          `${credit.provider} · ${figure(credit.amount)} ${app.creditTypeLabel(credit.credit_type)} · completed ${formatDay(credit.completed_on)} · self-reported`,
        ),
        actions,
        problem,
      ),
    );
  }
  return list;
}

function chooser(app, sets, chosen) {
  const current = new Map(chosen.map((c) => [c.code, c.cycle_start]));
  const status = h("div");
  const rows = sets.map((set) => {
    const boxId = uid("set-choice");
    const dateId = uid("cycle-start");
    const errorId = uid("cycle-error");
    const box = h("input", { type: "checkbox", id: boxId, checked: current.has(set.code), dataset: { code: set.code } });
    const date = h("input", {
      type: "date",
      id: dateId,
      class: "cycle-start",
      value: current.get(set.code) || "",
      disabled: !current.has(set.code),
      "aria-describedby": errorId,
    });
    box.addEventListener("change", () => {
      date.disabled = !box.checked;
      if (box.checked && !date.value) date.focus();
    });
    const error = h("p", { class: "field-error", id: errorId });
    const element = h(
      "li",
      { class: "set-choice", dataset: { code: set.code } },
      h("div", { class: "set-choice__pick" }, box, h("label", { for: boxId }, set.name, set.verified ? null : h("span", { class: "badge" }, " Partly unverified"))),
      h(
        "div",
        { class: "set-choice__start" },
        h("label", { for: dateId }, set.cycle_years ? `First day of a ${set.cycle_years}-year cycle` : "Date (a one-time requirement)"),
        date,
        error,
      ),
    );
    return { set, box, date, error, element };
  });
  const save = h("button", { type: "submit", class: "button" }, "Save requirement sets");
  const form = h("form", { class: "stack set-chooser", novalidate: true }, h("ul", { class: "set-choices" }, rows.map((r) => r.element)), status, h("div", { class: "actions" }, save));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.replaceChildren();
    let first = null;
    const items = [];
    for (const row of rows) {
      row.error.textContent = "";
      row.date.removeAttribute("aria-invalid");
      if (!row.box.checked) continue;
      if (!row.date.value) {
        row.error.textContent = "Enter the first day of your current cycle.";
        row.date.setAttribute("aria-invalid", "true");
        first ||= row.date;
      }
      items.push({ code: row.set.code, cycle_start: row.date.value });
    }
    if (first) {
      first.focus();
      return;
    }
    save.disabled = true;
    try {
      await app.api.chooseRequirements(items);
      app.announce("Requirement sets saved.");
      app.navigate("#/requirements?saved=1", { replace: true });
    } catch (error) {
      if (error.code === "unauthorized") return;
      let focus = null;
      for (const detail of error.details || []) {
        const match = /^items\[(\d+)\]\.cycle_start$/.exec(String(detail?.field || ""));
        const row = match ? rows.find((r) => r.set.code === items[Number(match[1])]?.code) : null;
        if (row) {
          row.error.textContent = reasonText(detail.reason);
          row.date.setAttribute("aria-invalid", "true");
          focus ||= row.date;
        }
      }
      status.replaceChildren(app.errorBox(error, {}, { onRetry: () => form.requestSubmit() }));
      focus?.focus();
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

export async function render(app, _params, query) {
  const { api } = app;
  await app.loadCreditTypes();
  const [sets, chosen, progress, explanation, types, externals] = await Promise.all([
    api.requirementSets(),
    api.myRequirements(),
    api.progress(),
    api.explanation(),
    api.externalCreditTypes(),
    api.externalCredits(),
  ]);
  app.rememberCreditTypes(types.items || []);
  const definitions = new Map((sets.items || []).map((s) => [s.code, s]));
  const explained = new Map((explanation.items || []).map((e) => [e.code, e]));

  const externalArea = h("div");
  const fillExternal = (credits) => clear(externalArea).append(externalList(app, credits, reloadExternal));
  async function reloadExternal() {
    try {
      fillExternal(await api.externalCredits());
    } catch (error) {
      if (error.code !== "unauthorized") clear(externalArea).append(app.errorBox(error, {}, { onRetry: reloadExternal }));
    }
  }
  fillExternal(externals);

  const following = progress.items || [];
  const saved = query.get("saved") === "1" ? app.successBox("Requirement sets saved", null) : null;
  return {
    title: "Requirements",
    element: h(
      "section",
      {},
      h("h1", {}, "Renewal requirements"),
      app.takeFlash(),
      saved,
      h(
        "p",
        { class: "lead" },
        "What your claimed credit, and credit you earned elsewhere, count toward each board, society or licence you report to. Unclaimed credit counts once you claim it.",
      ),
      following.length
        ? h("div", { class: "requirements" }, following.map((item) => setCard(app, item, explained.get(item.code), definitions.get(item.code))))
        : h("p", { class: "empty" }, "You do not follow any requirement set yet. Choose yours below."),
      h("h2", {}, "Credit earned elsewhere"),
      h("p", { class: "muted" }, "Self-reported credit from other providers counts toward your requirements."),
      h("p", {}, h("a", { href: "#/external-credit", class: "button button--secondary" }, "Add credit earned elsewhere")),
      externalArea,
      h("h2", {}, "Your requirement sets"),
      h("p", { class: "muted" }, "Choose the sets you follow and the first day of your current cycle for each."),
      chooser(app, sets.items || [], chosen.items || []),
    ),
  };
}
