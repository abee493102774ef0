// Sign-in. Locally: pick a learner the local stack knows (or type an id). In AWS: Cognito's hosted UI.

import * as auth from "../auth.js";
import { h, uid } from "../dom.js";

export async function render(app) {
  const { state } = app;
  const flash = app.takeFlash();
  if (state.config.auth === "cognito") {
    const button = h("button", { type: "button", class: "button" }, "Sign in");
    button.addEventListener("click", () => {
      button.disabled = true;
      auth.beginCognitoSignIn(state.config, state.returnTo).catch((error) => {
        button.disabled = false;
        button.after(h("p", { role: "alert", class: "field-error" }, error.message));
      });
    });
    return {
      title: "Sign in",
      element: h(
        "section",
        { class: "narrow" },
        h("h1", {}, "Sign in"),
        flash,
        h("p", {}, "Sign in to see the credit you have earned, claim it and download your certificates."),
        button,
      ),
    };
  }

  const status = h("p", { role: "status", class: "muted" });
  const list = h("ul", { class: "learner-list", "aria-label": "Learners" });
  const choose = async (userId, name, button) => {
    button.disabled = true;
    status.textContent = "Signing in…";
    try {
      const session = await auth.signInLocally(state.config, userId, name);
      app.signedIn(session);
    } catch (error) {
      button.disabled = false;
      status.textContent = "";
      status.replaceWith(h("p", { role: "alert", class: "field-error" }, `Sign-in failed: ${error.message}`));
    }
  };
  let learners = [];
  try {
    learners = await auth.localLearners(state.config);
  } catch (error) {
    status.textContent = `The learner list could not be loaded (${error.message}). You can still type a learner id below.`;
  }
  for (const learner of learners) {
    const label = learner.display_name ? `${learner.display_name} (${learner.user_id})` : learner.user_id;
    const button = h("button", { type: "button", class: "learner", dataset: { userId: learner.user_id } }, label);
    button.addEventListener("click", () => choose(learner.user_id, learner.display_name || undefined, button));
    list.append(h("li", {}, button));
  }

  const idField = uid("user-id");
  const nameField = uid("user-name");
  const idInput = h("input", { id: idField, name: "user_id", required: true, autocomplete: "off", spellcheck: "false" });
  const nameInput = h("input", { id: nameField, name: "name", autocomplete: "name" });
  const submit = h("button", { type: "submit", class: "button button--secondary" }, "Sign in as this learner");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("div", { class: "field" }, h("label", { for: idField }, "Learner id"), idInput),
    h("div", { class: "field" }, h("label", { for: nameField }, "Name (optional, for a new learner)"), nameInput),
    submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const userId = idInput.value.trim();
    if (!userId) {
      idInput.setAttribute("aria-invalid", "true");
      idInput.focus();
      status.textContent = "Enter a learner id.";
      return;
    }
    choose(userId, nameInput.value.trim() || undefined, submit);
  });

  return {
    title: "Sign in",
    element: h(
      "section",
      { class: "narrow" },
      h("h1", {}, "Sign in"),
      flash,
      h(
        "p",
        { class: "notice notice--info" },
        "Local stack: choose a learner to sign in as. (In AWS this screen sends you to the Cognito sign-in page.)",
      ),
      h("h2", {}, "Learners"),
      learners.length ? list : h("p", {}, "No learners yet."),
      status,
      h("details", { class: "other-learner" }, h("summary", {}, "Another learner"), form),
    ),
  };
}
