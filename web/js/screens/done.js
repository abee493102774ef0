// Success: the claim is made; the certificate's status until it is ready, then the PDF and the credential.

import * as amounts from "../amounts.js";
import { downloadCredentials, openCertificate, watchClaim } from "../certificate.js";
import { h } from "../dom.js";

/** The certificates of the claim that staff revoked, with the reason they gave (none: nothing shown). */
function revokedNotice(claim) {
  const revoked = (claim.certificates || []).filter((c) => c.status === "revoked");
  if (!revoked.length) return null;
  return h(
    "div",
    { class: "notice notice--error", id: "revoked-certificates" },
    h("h2", { class: "notice__title" }, revoked.length === 1 ? "A certificate of this claim was revoked" : "Certificates of this claim were revoked"),
    h("ul", {}, revoked.map((c) => h("li", {}, `${c.course_title}: ${c.revoked_reason || "no reason given"}`))),
    h("p", {}, "A revoked certificate no longer verifies and counts toward no requirement."),
  );
}

export async function render(app, params) {
  const { state, api } = app;
  const claimId = params[0];
  const claim = await api.getClaim(claimId);
  const label = app.creditTypeLabel(claim.credit_type);
  const total = amounts.credits(amounts.fromApi(claim.total));
  const evaluated = state.evaluated === claimId || claim.evaluation_submitted;

  const statusLine = h("p", { id: "certificate-status", role: "status" });
  const open = h("button", { type: "button", class: "button", id: "open-certificate", hidden: true }, "Download certificate (PDF)");
  const credential = h(
    "button",
    { type: "button", class: "button button--secondary", id: "download-credential", hidden: true },
    "Download credential",
  );
  const downloads = h("p", { class: "actions", id: "certificate-downloads" }, open, credential);
  const problem = h("div");
  open.addEventListener("click", async () => {
    problem.replaceChildren();
    try {
      await openCertificate(api, claimId);
    } catch (error) {
      if (error.code !== "unauthorized") problem.replaceChildren(app.errorBox(error, {}, { onRetry: () => open.click() }));
    }
  });
  credential.addEventListener("click", async () => {
    problem.replaceChildren();
    try {
      const items = await downloadCredentials(api, claimId);
      app.announce(items.length === 1 ? "Credential downloaded." : `${items.length} credentials downloaded, one per certificate.`);
    } catch (error) {
      if (error.code !== "unauthorized") problem.replaceChildren(app.errorBox(error, {}, { onRetry: () => credential.click() }));
    }
  });

  const show = (current) => {
    statusLine.dataset.status = current.status;
    if (current.status === "ready") {
      statusLine.textContent = "Your certificate is ready.";
      open.hidden = false;
      credential.hidden = false;
    } else if (current.status === "failed") {
      statusLine.textContent =
        "Your credits are claimed, but the certificate could not be prepared. Our team has been alerted; please try again later from Claimed.";
    } else {
      statusLine.textContent = "Preparing your certificate… This usually takes a few seconds.";
    }
  };
  show(claim);

  const element = h(
    "section",
    { class: "narrow" },
    h("h1", {}, "Certificate claimed"),
    h(
      "div",
      { class: "notice notice--success", id: "success-message" },
      h("p", {}, `You claimed ${total} of ${label}.`, evaluated ? " Thank you for your evaluation." : ""),
      claim.board_report ? h("p", {}, "Your ABP MOC Part 2 points will be reported to the American Board of Pediatrics.") : null,
    ),
    revokedNotice(claim),
    statusLine,
    downloads,
    h("p", { class: "hint" }, "The credential is the same certificate as an Open Badges 3.0 file (.jwt), signed by CME Ledger: add it to a digital wallet or send it to a board."),
    problem,
    h("p", {}, h("a", { href: "#/claimed" }, "See all your claimed certificates"), " · ", h("a", { href: "#/credits" }, "Claim more credits")),
  );
  return {
    title: "Certificate claimed",
    element,
    after: () => {
      app.announce(`You claimed ${total} of ${label}.`);
      if (claim.status === "processing") {
        watchClaim(api, claimId, show, null, () => {
          statusLine.dataset.status = "waiting";
          statusLine.textContent =
            "Your certificate is still being prepared. Your credits are claimed: check Claimed later, where you can open it once it is ready.";
        });
      }
    },
  };
}
