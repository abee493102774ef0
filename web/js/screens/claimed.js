// Claimed: every claim, sorted by date claimed, year earned or credits; Open gets the PDF, Credential the
// Open Badges 3.0 credentials (.jwt).

import * as amounts from "../amounts.js";
import { downloadCredentials, openCertificate, watchClaim } from "../certificate.js";
import { clear, formatDate, h, uid, year } from "../dom.js";

const SORTS = {
  claimed_at: { label: "Date claimed", desc: "Newest first", asc: "Oldest first", column: 0 },
  earned_year: { label: "Year earned", desc: "Most recent year first", asc: "Earliest year first", column: 3 },
  credits: { label: "Credits", desc: "Most credits first", asc: "Fewest credits first", column: 2 },
};
const COLUMNS = ["Date claimed", "Credit type", "Credits", "Year earned", "Courses", "Certificate"];

export async function render(app, _params, query) {
  const { state, api } = app;
  await app.loadCreditTypes();
  state.claimSort ||= { sort: "claimed_at", order: "desc" };
  if (SORTS[query.get("sort")]) state.claimSort.sort = query.get("sort");
  if (["asc", "desc"].includes(query.get("order"))) state.claimSort.order = query.get("order");

  const sortId = uid("sort");
  const orderId = uid("order");
  const sortSelect = h(
    "select",
    { id: sortId, name: "sort" },
    Object.entries(SORTS).map(([value, s]) => h("option", { value, selected: value === state.claimSort.sort }, s.label)),
  );
  const orderSelect = h("select", { id: orderId, name: "order" });
  const fillOrder = () => {
    const s = SORTS[sortSelect.value];
    orderSelect.replaceChildren(
      h("option", { value: "desc", selected: state.claimSort.order === "desc" }, s.desc),
      h("option", { value: "asc", selected: state.claimSort.order === "asc" }, s.asc),
    );
  };
  fillOrder();
  const listArea = h("div", { class: "claims" });
  const stops = [];
  const stopAll = () => stops.splice(0).forEach((stop) => stop());

  let loads = 0;
  async function load() {
    const current = ++loads; // only the latest request may fill the list (sorting twice quickly)
    stopAll();
    listArea.setAttribute("aria-busy", "true");
    let page;
    try {
      page = await api.claims({ ...state.claimSort });
    } catch (error) {
      if (error.code === "unauthorized" || current !== loads) return;
      clear(listArea).append(app.errorBox(error, {}, { onRetry: load }));
      listArea.removeAttribute("aria-busy");
      return;
    }
    if (current !== loads) return;
    clear(listArea);
    listArea.removeAttribute("aria-busy");
    if (!page.items.length) {
      listArea.append(h("p", { class: "empty" }, "You have not claimed any credits yet. ", h("a", { href: "#/credits" }, "See your unclaimed credits"), "."));
      return;
    }
    const column = SORTS[state.claimSort.sort].column;
    const body = h("tbody", {});
    const table = h(
      "table",
      { class: "claims-table" },
      h("caption", { class: "visually-hidden" }, `Your claimed certificates, ${SORTS[state.claimSort.sort].label.toLowerCase()}: ${SORTS[state.claimSort.sort][state.claimSort.order].toLowerCase()}`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          COLUMNS.map((name, i) =>
            h("th", { scope: "col", "aria-sort": i === column ? (state.claimSort.order === "asc" ? "ascending" : "descending") : null }, name),
          ),
        ),
      ),
      body,
    );
    addRows(body, page.items);
    listArea.append(table);
    let cursor = page.next_cursor;
    if (cursor) {
      const more = h("button", { type: "button", class: "button button--secondary" }, "Show more");
      more.addEventListener("click", async () => {
        more.disabled = true;
        try {
          const next = await api.claims({ ...state.claimSort, cursor });
          addRows(body, next.items);
          cursor = next.next_cursor;
          app.announce(`${next.items.length} more claims shown.`);
          if (!cursor) more.remove();
        } catch (error) {
          if (error.code !== "unauthorized") more.after(app.errorBox(error));
        } finally {
          more.disabled = false;
        }
      });
      listArea.append(h("p", {}, more));
    }
  }

  function addRows(body, items) {
    for (const claim of items) {
      const statusCell = h("td", { "data-label": COLUMNS[5], class: "claim__status" });
      const problem = h("div");
      const row = h(
        "tr",
        { dataset: { claimId: claim.claim_id } },
        h("td", { "data-label": COLUMNS[0] }, h("time", { datetime: claim.claimed_at }, formatDate(claim.claimed_at))),
        h("td", { "data-label": COLUMNS[1] }, app.creditTypeLabel(claim.credit_type)),
        h("td", { "data-label": COLUMNS[2], class: "claim__total" }, amounts.format(amounts.fromApi(claim.total))),
        h("td", { "data-label": COLUMNS[3] }, yearRange(claim.earned_from, claim.earned_to)),
        h("td", { "data-label": COLUMNS[4] }, (claim.course_titles || []).join("; ")),
        statusCell,
      );
      const show = (current) => {
        row.dataset.status = current.status;
        clear(statusCell);
        if (current.status === "ready") {
          const open = h(
            "button",
            { type: "button", class: "button button--small", "aria-label": `Open the certificate claimed ${formatDate(claim.claimed_at)} (${amounts.credits(amounts.fromApi(claim.total))})` },
            "Open",
          );
          open.addEventListener("click", async () => {
            problem.replaceChildren();
            try {
              await openCertificate(api, claim.claim_id);
            } catch (error) {
              if (error.code !== "unauthorized") problem.replaceChildren(app.errorBox(error, {}, { onRetry: () => open.click() }));
            }
          });
          const credential = h(
            "button",
            { type: "button", class: "button button--small button--secondary", "aria-label": `Download the credential of the certificate claimed ${formatDate(claim.claimed_at)}` },
            "Credential",
          );
          credential.addEventListener("click", async () => {
            problem.replaceChildren();
            try {
              await downloadCredentials(api, claim.claim_id);
            } catch (error) {
              if (error.code !== "unauthorized") problem.replaceChildren(app.errorBox(error, {}, { onRetry: () => credential.click() }));
            }
          });
          statusCell.append(h("span", { class: "claim__downloads" }, open, credential), problem);
        } else if (current.status === "failed") {
          statusCell.append(h("span", { class: "status status--failed" }, "Could not be prepared; our team has been alerted"));
        } else {
          statusCell.append(h("span", { class: "status status--processing", role: "status" }, "Preparing…"));
        }
      };
      show(claim);
      if (claim.status === "processing") {
        const giveUp = () => {
          clear(statusCell);
          statusCell.append(
            h("span", { class: "status status--processing", role: "status" }, "Still being prepared; check again later"),
          );
        };
        stops.push(watchClaim(api, claim.claim_id, show, null, giveUp));
      }
      body.append(row);
    }
  }

  const reload = () => {
    state.claimSort = { sort: sortSelect.value, order: orderSelect.value };
    window.history.replaceState(null, "", `#/claimed?sort=${state.claimSort.sort}&order=${state.claimSort.order}`);
    load().then(() => app.announce(`Sorted by ${SORTS[state.claimSort.sort].label.toLowerCase()}, ${SORTS[state.claimSort.sort][state.claimSort.order].toLowerCase()}.`));
  };
  sortSelect.addEventListener("change", () => {
    fillOrder();
    reload();
  });
  orderSelect.addEventListener("change", reload);

  await load();
  const transcript = transcriptForm(app);
  return {
    title: "Claimed certificates",
    element: h(
      "section",
      {},
      h("h1", {}, "Claimed certificates"),
      app.takeFlash(),
      h(
        "div",
        { class: "sort-controls" },
        h("div", { class: "field field--inline" }, h("label", { for: sortId }, "Sort by"), sortSelect),
        h("div", { class: "field field--inline" }, h("label", { for: orderId }, "Order"), orderSelect),
      ),
      listArea,
      transcript,
    ),
  };
}

/** "Download transcript": the claimed and self-reported credit of a period, as a PDF or a CSV. */
function transcriptForm(app) {
  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  const threeYearsAgo = new Date(Date.UTC(today.getUTCFullYear() - 3, today.getUTCMonth(), today.getUTCDate() + 1));
  const fromId = uid("transcript-from");
  const toId = uid("transcript-to");
  const formatId = uid("transcript-format");
  const from = h("input", { type: "date", id: fromId, name: "from", value: iso(threeYearsAgo) });
  const to = h("input", { type: "date", id: toId, name: "to", value: iso(today) });
  const format = h(
    "select",
    { id: formatId, name: "format" },
    h("option", { value: "pdf" }, "PDF (to hand a board)"),
    h("option", { value: "csv" }, "CSV (for a spreadsheet)"),
  );
  const status = h("div");
  const button = h("button", { type: "submit", class: "button" }, "Download transcript");
  const form = h(
    "form",
    { class: "transcript", novalidate: true },
    h("h2", {}, "Transcript for an audit"),
    h("p", { class: "hint" }, "Every certificate you claimed and the credit you recorded from elsewhere, by the day the activity was completed."),
    h(
      "div",
      { class: "inline-fields" },
      h("div", { class: "field" }, h("label", { for: fromId }, "From"), from),
      h("div", { class: "field" }, h("label", { for: toId }, "To"), to),
      h("div", { class: "field" }, h("label", { for: formatId }, "Format"), format),
    ),
    h("div", { class: "actions" }, button),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.replaceChildren();
    button.disabled = true;
    // The PDF opens in a new tab (a presigned URL of another origin: a download link would navigate),
    // opened before the request so no popup blocker stops it, as a certificate does.
    const tab = format.value === "pdf" ? window.open("", "_blank") : null;
    if (tab) tab.document.body.textContent = "Preparing your transcript…";
    try {
      const answer = await app.api.transcript(format.value, from.value, to.value);
      if (format.value === "csv") {
        const url = URL.createObjectURL(new Blob([answer], { type: "text/csv;charset=utf-8" }));
        const link = h("a", { href: url, download: `cme-transcript-${from.value}-to-${to.value}.csv`, hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      } else if (tab) {
        tab.opener = null;
        tab.location.replace(answer.url);
      } else {
        window.location.assign(answer.url);
      }
      status.replaceChildren(app.successBox("Transcript ready", format.value === "csv" ? "Your download has started." : "It opened in a new tab."));
      app.announce("Transcript ready.");
    } catch (error) {
      tab?.close();
      if (error.code === "unauthorized") return;
      status.replaceChildren(app.errorBox(error, {}, { onRetry: () => form.requestSubmit() }));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function yearRange(from, to) {
  const first = year(from);
  const last = year(to);
  return first === last ? first : `${first}–${last}`;
}
