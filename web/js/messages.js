// Every refusal of API.md in words a clinician understands: what happened, and what to do next.

const PROFILE_FIELDS = {
  display_name: "Name on certificates",
  degree: "Degree",
  first_name: "First name",
  last_name: "Last name",
  "board_ids.ABP": "ABP ID",
  "board_ids.ABIM": "ABIM ID",
  birth_month_day: "Birth month and day",
};

const CREDIT_REASONS = {
  claimed: "has already been claimed",
  expired: "has expired and can no longer be claimed",
  unknown: "is no longer on your record",
  insufficient: "has less credit left than you chose",
};

const RENEWAL_FIELDS = {
  title: "Activity title",
  provider: "Provider",
  amount: "Credits",
  completed_on: "Date completed",
  live: "Live activity",
};

const EVALUATION_FIELDS = {
  "ratings.overall": "Overall rating",
  "ratings.relevance": "Relevance to your practice",
  "ratings.quality": "Quality of the content",
  free_of_bias: "Free of commercial bias",
  practice_change: "Changes to your practice",
  comments: "Comments",
};

/** A detail's reason as a sentence ("must be 4 to 10 digits" -> "Must be 4 to 10 digits."). */
export function reasonText(reason) {
  const text = String(reason || "").trim();
  if (!text) return "";
  return `${text[0].toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;
}

// A 422 on these fields of a claim means the credit changed after the list was loaded (part of it
// claimed in another window, so the amount chosen is no longer a valid part of what is left; or its
// course no longer offers the credit type): handled like credits taken meanwhile.
const SELECTION_FIELD = /^selections\[\d+\]\.(amount|credit_id)$/;

/** A refusal after which the selection must be looked at again on a freshly loaded list. */
export function selectionChanged(error) {
  if (!error || error.code !== "validation_error" || !Array.isArray(error.details)) return false;
  return error.details.some((d) => SELECTION_FIELD.test(String(d?.field || "")));
}

function quoted(text) {
  return `“${text}”`;
}

/** A readable name for a `details[].field` of the API ("selections[3].amount" -> the topic's amount). */
export function fieldName(field, context = {}) {
  if (!field) return "";
  if (PROFILE_FIELDS[field]) return PROFILE_FIELDS[field];
  if (EVALUATION_FIELDS[field]) return EVALUATION_FIELDS[field];
  if (RENEWAL_FIELDS[field]) return RENEWAL_FIELDS[field];
  if (/^topics\[\d+\]$/.test(field)) return "Topics";
  if (/^items\[\d+\]\.cycle_start$/.test(field)) return "Cycle start";
  const selection = /^selections\[(\d+)\](?:\.(\w+))?$/.exec(field);
  if (selection && context.selections) {
    const chosen = context.selections[Number(selection[1])];
    const topic = chosen && context.topics?.get(chosen.credit_id)?.topic;
    if (topic) return selection[2] === "amount" ? `the amount for ${quoted(topic)}` : quoted(topic);
  }
  if (field === "credit_type") return "Credit type";
  return field.replace(/[_.]/g, " ");
}

/**
 * {title, text, items[], action?: {label, href}, retry: bool} for an ApiError (or any error).
 * `context`: {selections, topics: Map(credit_id -> {topic}), creditTypeLabel, during: "claim"|...}.
 */
export function describe(error, context = {}) {
  const code = error?.code || "unexpected";
  const details = Array.isArray(error?.details) ? error.details : [];
  switch (code) {
    case "membership_required":
      return {
        title: "A premium membership is needed to claim credit",
        text:
          "Your earned credits are safe and stay here. Once your premium membership is active " +
          "(or renewed), come back to claim them and get your certificate.",
        items: [],
      };
    case "credits_unavailable": {
      const items = details
        .filter((d) => d && d.credit_id)
        .map((d) => {
          const topic = context.topics?.get(d.credit_id)?.topic;
          const what = topic ? quoted(topic) : "One credit";
          return `${what} ${CREDIT_REASONS[d.reason] || "can no longer be claimed"}.`;
        });
      return {
        title: "Some of these credits were claimed or changed meanwhile",
        text:
          "Perhaps you claimed them in another window, or they expired. We have refreshed your " +
          "list: check your selection and claim again. Nothing was claimed this time.",
        items,
      };
    }
    case "nothing_to_claim":
      return {
        title: "There is nothing left to claim",
        text: "All of these credits have been claimed already. Your list has been refreshed.",
        items: [],
      };
    case "board_id_required": {
      const items = details.map((d) => `${fieldName(d.field)} is missing.`);
      return {
        title: "Your profile needs a few details for ABP MOC Part 2",
        text:
          "ABP MOC Part 2 points are reported to the American Board of Pediatrics, which needs your " +
          "ABP ID, birth month and day, and first and last name. Add them to your profile, then claim again.",
        items,
        action: { label: "Complete your profile", href: "#/profile?from=preview" },
      };
    }
    case "validation_error": {
      if (selectionChanged(error)) {
        const items = details.map((d) => {
          const match = /^selections\[(\d+)\]\.(\w+)$/.exec(String(d?.field || ""));
          const chosen = match && context.selections ? context.selections[Number(match[1])] : null;
          const topic = chosen && context.topics?.get(chosen.credit_id)?.topic;
          const what = topic ? quoted(topic) : "One credit";
          if (match?.[2] === "amount") return `${what} now has less credit left than you chose.`;
          if (match?.[2] === "credit_id") return `${what} can no longer be claimed as this credit type.`;
          return reasonText(d?.reason);
        });
        return {
          title: "Some of these credits changed meanwhile",
          text:
            "Part of a credit may have been claimed in another window, so less is left than you chose. " +
            "We have refreshed your list: check your selection and the amounts, then claim again. " +
            "Nothing was claimed this time.",
          items,
        };
      }
      const items = details.map((d) => {
        const name = fieldName(d.field, context);
        const why = reasonText(d.reason);
        return name ? `${name[0].toUpperCase()}${name.slice(1)}: ${why}` : why;
      });
      return {
        title: "Please check what you entered",
        text: items.length ? "These need a change:" : error.message || "Some of the details are not valid.",
        items,
      };
    }
    case "certificate_not_ready":
      return {
        title: "Your certificate is still being prepared",
        text: "This usually takes a few seconds. Please try again in a moment.",
        items: [],
        retry: true,
      };
    case "evaluation_exists":
      return {
        title: "You have already evaluated this activity",
        text: "Thank you: only one evaluation is kept per certificate.",
        items: [],
      };
    case "request_in_progress":
      return {
        title: "We are still working on your earlier request",
        text: "Wait a few seconds, then try again. Your credit will not be claimed twice.",
        items: [],
        retry: true,
      };
    case "idempotency_key_mismatch":
      return {
        title: "Your selection changed during an earlier attempt",
        text: "Go back to your credits, check your selection and preview it again.",
        items: [],
        action: { label: "Back to your credits", href: "#/credits" },
      };
    case "unauthorized":
      return {
        title: "Your session has ended",
        text: "For your security you were signed out. Please sign in again to continue.",
        items: [],
        action: { label: "Sign in", href: "#/signin" },
      };
    case "forbidden":
      return { title: "You do not have access to this", text: "Sign in with another account if you have one.", items: [] };
    case "not_found":
      return {
        title: "We could not find that",
        text: "It may have been removed, or it belongs to another account.",
        items: [],
      };
    case "malformed_json":
      return { title: "Something went wrong sending your request", text: "Please try again.", items: [], retry: true };
    case "network":
    case "timeout":
      return {
        title: "We could not reach CME Ledger",
        text:
          "Check your internet connection, then try again. If you were claiming credit, trying again " +
          "is safe: it will not be claimed twice.",
        items: [],
        retry: true,
      };
    case "http_413":
      return {
        title: "That request was too large",
        text: "Try again with fewer credits selected at a time.",
        items: [],
      };
    case "http_429":
      return {
        title: "Too many requests just now",
        text: "Please wait a moment, then try again. If you were claiming credit, it will not be claimed twice.",
        items: [],
        retry: true,
      };
    default:
      if (error?.status >= 500) {
        return {
          title: "Something went wrong on our side",
          text:
            "Please try again in a few minutes. If you were claiming credit, trying again is safe: " +
            "it will not be claimed twice.",
          items: [],
          retry: true,
        };
      }
      // An answer without the API's envelope has no words of its own: its made-up code is never shown.
      return {
        title: "That did not work",
        text: (!String(code).startsWith("http_") && error?.message) || "Please try again.",
        items: [],
        retry: true,
      };
  }
}
