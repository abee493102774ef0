// Waiting for a certificate to render, and opening it.

const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 10_000;
// After this long still `processing`, polling stops and the learner is told to look in Claimed later.
export const MAX_WAIT_MS = 3 * 60_000;

/**
 * Polls GET /claims/{id} while its status is `processing`; calls onUpdate(claim) on each answer.
 * Returns a stop function. Polls back off from 1 s to 10 s, stop when the page leaves, and give up
 * after MAX_WAIT_MS (`onGiveUp()` is called then).
 */
export function watchClaim(api, claimId, onUpdate, onError, onGiveUp) {
  let delay = FIRST_POLL_MS;
  let stopped = false;
  let timer = null;
  const started = Date.now();
  const tick = async () => {
    if (stopped) return;
    try {
      const claim = await api.getClaim(claimId);
      if (stopped) return;
      onUpdate(claim);
      if (claim.status !== "processing") return;
    } catch (error) {
      if (stopped) return;
      onError?.(error);
      if (error.code === "unauthorized" || error.code === "not_found") return;
    }
    if (Date.now() - started >= MAX_WAIT_MS) {
      stop();
      onGiveUp?.();
      return;
    }
    delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.5));
    timer = setTimeout(tick, delay);
  };
  timer = setTimeout(tick, 0);
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener("hashchange", stop);
  };
  window.addEventListener("hashchange", stop);
  return stop;
}

/**
 * Opens the certificate PDF in a new tab (GET /claims/{id}/certificate gives a short-lived URL).
 * The tab is opened during the click, before the request, so popup blockers let it through; without
 * a tab, this page goes to the PDF. Throws the ApiError of a refusal (the tab is closed then).
 */
export async function openCertificate(api, claimId) {
  const tab = window.open("", "_blank");
  if (tab) {
    tab.document.title = "Opening your certificate…";
    tab.document.body.textContent = "Opening your certificate…";
  }
  try {
    const { url } = await api.certificate(claimId);
    if (tab) {
      tab.opener = null;
      tab.location.replace(url);
    } else {
      window.location.assign(url);
    }
  } catch (error) {
    tab?.close();
    throw error;
  }
}

/** Saves `text` as a file named `name` (a blob URL and a download link, clicked once). */
function save(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Downloads the claim's Open Badges 3.0 credentials (GET /claims/{id}/credentials), one .jwt file
 * per certificate, named after its code. Returns the items. Throws the ApiError of a refusal.
 */
export async function downloadCredentials(api, claimId) {
  const { items } = await api.credentials(claimId);
  for (const item of items) save(`${item.certificate_code}.jwt`, item.credential, "application/vc+jwt");
  return items;
}
