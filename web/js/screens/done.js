// Success: the claim is made; the certificate's status until it is ready, then a download button.

import * as amounts from "../amounts.js";
import { openCertificate, watchClaim } from "../certificate.js";
import { h } from "../dom.js";

export async function render(app, params) {
  const { state, api } = app;
  const claimId = params[0];
  const claim = await api.getClaim(claimId);
  const label = app.creditTypeLabel(claim.credit_type);
  const total = amounts.credits(amounts.fromApi(claim.total));
  const evaluated = state.evaluated === claimId || claim.evaluation_submitted;

  const statusLine = h("p", { id: "certificate-status", role: "status" });
  const open = h("button", { type: "button", class: "button", id: "open-certificate", hidden: true }, "Download certificate (PDF)");
  const problem = h("div");
  open.addEventListener("click", async () => {
    problem.replaceChildren();
    try {
      await openCertificate(api, claimId);
    } catch (error) {
      if (error.code !== "unauthorized") problem.replaceChildren(app.errorBox(error, {}, { onRetry: () => open.click() }));
    }
  });

  const show = (current) => {
    statusLine.dataset.status = current.status;
    if (current.status === "ready") {
      statusLine.textContent = "Your certificate is ready.";
      open.hidden = false;
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
    statusLine,
    open,
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
