/* comments: the embeddable widget (docs/widget.md).
 *
 * This is the readable source. The service serves static/embed.js, which
 * `npm run build` (scripts/build_widget.mjs) makes from this file and
 * embed.css with esbuild: one minified IIFE whose only global is
 * window.Comments. */

import CSS from "./embed.css";

performance.mark("comments:start");

const script = document.currentScript || document.querySelector('script[src*="/embed.js"]');
const API = new URL("../api/v1/", script.src).href;
const I18N = new URL("i18n/", script.src).href;
const DEEPEST_LEVEL = 3; // deeper replies sit flat at this level, "in reply to NAME"
const AUTHOR_KEY = "comments:author"; // localStorage: the reader's name, email, website
const READER_KEY = "comments:reader"; // localStorage: this browser's random reader id (votes)
const EDIT_WINDOW_MS = 15 * 60 * 1000; // the service's default EDIT_WINDOW, if it does not say
const LONGEST_TIMEOUT = 2 ** 31 - 1; // setTimeout fires at once past this many ms
const SORTS = ["newest", "oldest", "top"];
const FIELDS = ["body", "author.name", "author.email", "author.website"];
const AUTHOR_FIELDS = FIELDS.slice(1);
const PERMALINK = /^#comment-(\d+)$/;
// Query parameters that say where a reader came from, not which article this is;
// the same list as comments/thread_keys.py (tests/test_thread_keys.py compares them).
const TRACKING = /^(utm_.*|fbclid|gclid|dclid|gbraid|wbraid|_ga|_gl|msclkid|mc_cid|mc_eid|yclid|igshid|twclid|ttclid|li_fat_id|ref_src|_hsenc|_hsmi|mkt_tok)$/i;

const Comments = (window.Comments = window.Comments || {});
let unmountCurrent = null;

const warn = (message) => console.warn("[comments] " + message);
const encode = encodeURIComponent;
const pageAddress = () => location.href.split("#")[0];

/* The key of a thread without data-thread: the URL's path and query, tracking
 * parameters dropped, never the fragment (docs/widget.md, "Thread keys"). */
function defaultKey(url) {
  const {pathname, search} = new URL(url, location.href);
  const kept = search.slice(1).split("&").filter((pair) => pair && !TRACKING.test(pair.split("=")[0]));
  return pathname + (kept.length ? "?" + kept.join("&") : "");
}

/* Build an element. What readers wrote only ever goes in through `text`. */
function element(tag, attributes = {}, children = []) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name === "text") el.textContent = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : value);
  }
  el.append(...children.filter(Boolean));
  return el;
}

const button = (className, text, onclick, attributes) =>
  element("button", {type: "button", class: className, text, onclick, ...attributes});

/* Read (no value), save, or forget (null) a localStorage entry. */
function stored(key, value) {
  try {
    if (value === undefined) return JSON.parse(localStorage.getItem(key)) || {};
    if (value) localStorage.setItem(key, JSON.stringify(value));
    else localStorage.removeItem(key);
  } catch {
    // Storage is blocked: nothing is remembered.
  }
  return {};
}

/* Draw the discussion into `host`; return the function that takes it away. */
function mount(host, options) {
  const root = host.shadowRoot || host.attachShadow({mode: "open"});
  const option = (name) => String(options[name] ?? host.dataset[name] ?? script.dataset[name] ?? "");
  const url = option("url") || document.querySelector('link[rel="canonical"]')?.href || pageAddress();
  const settings = {
    site: option("site"),
    url,
    title: option("title") || document.title,
    thread: option("thread") || defaultKey(url),
    theme: ["dark", "auto"].includes(option("theme")) ? option("theme") : "light",
    sort: SORTS.includes(option("sort")) ? option("sort") : "newest",
  };
  // The publisher's sign-in token (data-sso), dropped if the service refuses it.
  let sso = option("sso");
  const loginUrl = option("loginUrl");
  // A random id, so that a guest's votes count once; hashed with the address by the service.
  let reader = stored(READER_KEY).id;
  if (!reader) stored(READER_KEY, {id: (reader = Date.now().toString(36) + Math.random().toString(36).slice(2))});
  let myVotes = {}; // comment id -> 1 or -1, from /me and the reader's clicks
  const meOwn = {}; // ids of the reader's comments, from /me
  let lang = option("lang") || navigator.language || "en";
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(lang)) lang = "en";

  let strings = {};
  let formats;
  let formCount = 0; // numbers the forms, for unique element ids
  let loadGeneration = 0; // a load whose generation is old has been overtaken
  let unmounted = false;
  let nextCursor = null; // the roots after those shown ("load more")
  let prevCursor = null; // the roots before those shown ("show newer"), from a permalink page
  let listGeneration = 0; // counts the times the list was replaced
  let thread = null;
  let visibleCount = 0;
  let around = PERMALINK.exec(location.hash)?.[1];
  let heading, sortBar, formSlot, newerButton, list, moreButton, liveRegion, mainForm, section, whoLine;

  // The reader's own comments: {id: [edit token, editable until (ms, this browser's clock), Markdown]}.
  const EDITS_KEY = `comments:edit:${settings.site}:${API}`;
  let ownComments = stored(EDITS_KEY);
  const records = new Map(); // comment id -> record of the comment shown
  const replyForms = new Map(); // comment id -> the reply form open under it
  const aborter = new AbortController();

  /* The reader's language: strings[key] (else `fallback`), with {placeholders} and plural forms. */
  function t(key, values = {}, fallback = key) {
    let text = strings[key] ?? fallback;
    if (typeof text === "object") text = text[formats.plural.select(values.n)] || text.other;
    return text.replace(/\{(\w+)\}/g, (_, name) => (name === "n" ? formats.number.format(values.n) : values[name]));
  }

  /* "in 3 minutes" for `seconds` from now; negative seconds are ago. */
  function relativeTime(seconds) {
    const units = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"], [12, "month"], [Infinity, "year"]];
    for (const [size, unit] of units) {
      if (Math.abs(seconds) < size) return formats.relative.format(Math.round(seconds), unit);
      seconds /= size;
    }
  }

  /* Ask the API; resolve to its JSON answer plus `_status`, reject when offline. */
  async function request(path, init = {}) {
    init.signal = aborter.signal;
    init.credentials = "omit";
    init.headers ||= {};
    if (init.body) init.headers["Content-Type"] = "application/json";
    // Writes and /me say who the reader is; reading a page stays the same request for everyone.
    if (init.method || path[0] === "m") {
      init.headers["X-Comments-Reader"] = reader;
      if (sso) init.headers.Authorization = "Bearer " + sso;
    }
    const response = await fetch(API + path, init);
    const data = await response.json().catch(() => ({}));
    data._status = response.status;
    if (data._status === 401 && sso) {
      warn(data.code); // the sign-in token is refused: on as a guest
      sso = "";
      signedIn(null);
    }
    return data;
  }

  function announce(text) {
    liveRegion.textContent = "";
    requestAnimationFrame(() => {
      liveRegion.textContent = text;
    });
  }

  /* The signed-in user's own picture, else the one the service draws from the
   * author's seed: nothing is fetched from anyone else. The name is beside it. */
  function avatar(author) {
    const src = /^https:\/\//.test(author.avatar) ? author.avatar : /^[\da-f]{16}$/.test(author.hash) && API + `avatars/${author.hash}.svg`;
    return element("div", {class: "av", "aria-hidden": "true"}, [src && element("img", {src, alt: "", loading: "lazy", referrerpolicy: "no-referrer"})]);
  }

  /* Show `record` as a placeholder ("Comment deleted"): no author, no text, no
   * actions, only the replies under it, which keep their context. */
  function placeholder(record, status) {
    const text = t(status === "deleted" ? "goneDeleted" : "goneRemoved");
    const el = element("article", {class: "c gone", id: "comment-" + record.comment.id, tabindex: "-1", "aria-label": text}, [
      element("div", {class: "av"}),
      (record.body = element("div", {}, [element("p", {text}), record.replies, record.moreReplies])),
    ]);
    record.el.replaceWith(el);
    record.el = el;
    record.comment.deleted = true;
  }

  /* Take a comment off the page, or leave its placeholder while replies under it
   * are shown; a placeholder goes with its last reply. */
  function takeAway(record) {
    const id = record.comment.id;
    const parent = records.get(record.comment.parent_id);
    if (record.comment.reply_count > 0 || [...records.values()].some((other) => other.comment.parent_id === id && other.el.isConnected)) {
      return placeholder(record, record.comment.status);
    }
    record.el.remove();
    records.delete(id);
    if (parent) {
      parent.comment.reply_count--;
      if (parent.comment.deleted) takeAway(parent);
    }
  }

  function timeElement(iso) {
    const date = new Date(iso);
    const seconds = (date - Date.now()) / 1000;
    const text = seconds > -45 ? t("now") : relativeTime(seconds);
    return element("time", {datetime: iso, title: date.toLocaleString(lang), text});
  }

  const pendingNotice = (reason) => element("p", {class: "pend", text: t("pending") + (reason ? " " + reason : "")});

  /* Why a posted or edited comment is held: each reason code in the reader's
   * language, else the service's English words for it. */
  function holdReason(data) {
    const words = (data.reasons || []).map((reason) => t("reason." + reason.code, reason.params, reason.message));
    return words.length ? words.join(" ") : data.reason;
  }

  /* Until when (this browser's clock) the edit token of a posted or edited comment
   * works: the service's editable_until, counted from the service's own time of
   * the answer, so a wrong clock here does not matter. */
  function editableUntil(data) {
    const comment = data.comment;
    const left = Date.parse(data.editable_until) - Date.parse(comment.edited_at || comment.created_at);
    return Date.now() + (left >= 0 ? left : EDIT_WINDOW_MS);
  }

  /* Take the edit controls away when the token stops working. */
  function expireOwn(record) {
    clearTimeout(record.expiry);
    const left = ownComments[record.comment.id][1] - Date.now();
    record.expiry = setTimeout(() => forgetOwn(record), Math.min(left, LONGEST_TIMEOUT));
  }

  /* The element of one comment and the record the widget keeps of it.
   * `replyTo`: the parent's author, when the comment does not sit under its parent. */
  function commentRecord(comment, level, replyTo, reason) {
    if (comment.deleted) {
      const record = {comment, level, replies: element("div", {class: "kids"}), shownReplies: 0, el: element("i")};
      placeholder(record, comment.status);
      records.set(comment.id, record);
      return record;
    }
    const author = comment.author;
    const id = "comment-" + comment.id;
    const hasWebsite = /^https?:\/\//i.test(author.website);
    const name = element(hasWebsite ? "a" : "span", {
      class: "nm",
      id: id + "n",
      text: author.name,
      href: hasWebsite && author.website,
      rel: hasWebsite && "nofollow ugc noopener noreferrer",
      target: hasWebsite && "_blank",
    });
    const record = {
      comment,
      level,
      replies: element("div", {class: "kids"}),
      shownReplies: 0,
      text: element("div", {class: "tx"}),
      votes: comment.votes,
      up: button("lk", "", () => vote(record, 1)),
      down: button("lk", "", () => vote(record, -1)),
    };
    record.meta = element("div", {class: "meta"}, [
      name,
      ...(author.badges || []).map((badge) => element("span", {class: "bdg", text: badge})),
      replyTo?.name && element("span", {text: t("inReplyTo", {name: replyTo.name})}),
      element("a", {class: "tm", href: pageAddress() + "#" + id}, [timeElement(comment.created_at)]),
      (record.editedMark = comment.edited_at && element("span", {text: t("edited")})),
    ]);
    record.text.innerHTML = comment.html; // sanitized by the service
    record.replyButton = button("lk rp", t("reply"), () => openReply(record), {
      "aria-label": t("replyTo", {name: author.name}),
      "aria-expanded": "false",
    });
    record.body = element("div", {}, [
      record.meta,
      (record.pending = comment.status === "pending" && pendingNotice(reason)),
      record.text,
      (record.act = element("div", {class: "act"}, [
        record.up,
        record.down,
        !thread.closed && record.replyButton,
        (record.reportButton =
          button("lk", t("report"), () => openReport(record), {
            "aria-label": t("reportLabel", {name: author.name}),
            "aria-expanded": "false",
          })),
      ])),
      replyForms.get(comment.id)?.el,
      record.replies,
    ]);
    record.el = element("article", {class: "c", id, tabindex: "-1", "aria-labelledby": id + "n"}, [
      avatar(author),
      record.body,
    ]);
    records.set(comment.id, record);
    markOwn(record);
    return record;
  }

  /* Edit and delete on the reader's own comment; vote buttons as the reader voted. */
  function markOwn(record) {
    if (record.comment.deleted) return; // a placeholder has no controls
    const id = record.comment.id;
    record.own ||= meOwn[id] || ownComments[id];
    if (ownComments[id] && !record.ownControls && !thread.closed) {
      record.reportButton.remove();
      record.act.append((record.ownControls = element("span")));
      showOwnControls(record);
      expireOwn(record);
    }
    paintVotes(record);
  }

  function paintVotes(record) {
    if (record.comment.deleted) return;
    const off = record.own || thread.closed || !(sso || thread.guests_allowed);
    [[record.up, 1, "▲ "], [record.down, -1, "▼ "]].forEach(([el, value, sign]) => {
      const n = record.votes[value > 0 ? "up" : "down"];
      el.textContent = sign + n;
      el.setAttribute("aria-label", t(value > 0 ? "up" : "down", {n}));
      el.setAttribute("aria-pressed", myVotes[record.comment.id] === value);
      el.disabled = off;
    });
  }

  /* Vote at once on the page; take it back if the service refuses. */
  async function vote(record, value) {
    const id = record.comment.id;
    const before = myVotes[id] || 0;
    const after = before === value ? 0 : value;
    const votes = record.votes;
    const count = (v, step) => v && (votes[v > 0 ? "up" : "down"] += step);
    count(before, -1);
    count(after, 1);
    myVotes[id] = after;
    paintVotes(record);
    sayOn(record, "");
    const data = await request(`comments/${id}/vote`, {method: "POST", body: JSON.stringify({value: after})}).catch(() => ({}));
    if (data._status === 200) record.votes = data.votes;
    else {
      count(after, -1);
      count(before, 1);
      myVotes[id] = before;
      sayOn(record, data.detail || t("offline"));
    }
    paintVotes(record);
  }

  /* What is personal on this page: who is signed in, their comments, their votes. */
  async function loadMe() {
    const data = await request(`me?site=${encode(settings.site)}&thread=${encode(settings.thread)}`).catch(() => ({}));
    if (data._status === 401) return loadMe(); // as a guest, now
    if (data._status !== 200) return;
    myVotes = data.votes;
    signedIn(data.user);
    for (const own of data.comments) {
      meOwn[own.id] = true;
      // A signed-in author changes their comment without an edit token.
      if (own.editable_until) ownComments[own.id] ||= [0, Date.parse(own.editable_until)];
    }
    records.forEach(markOwn);
  }

  function signedIn(user) {
    section.classList.toggle("si", !!user);
    whoLine.textContent = user ? t("signedIn", {name: user.name}) : "";
    whoLine.hidden = !user;
    if (thread) showForm();
  }

  /* The comment form, or "Sign in to comment" where the site takes signed-in readers only. */
  function showForm() {
    if (thread.closed) return;
    const out = !sso && !thread.guests_allowed;
    section.classList.toggle("no", out);
    if (out) {
      formSlot.replaceChildren(element("a", {class: "btn", href: /^https?:/i.test(loginUrl) && loginUrl, text: t("signIn")}));
      records.forEach(paintVotes);
    } else if (!mainForm) formSlot.append((mainForm = commentForm(null)).el);
  }

  /* A message on one comment (an error from editing or deleting it). */
  function sayOn(record, text) {
    record.message ||= record.body.insertBefore(element("p", {class: "msg", role: "alert"}), record.replies);
    record.message.textContent = text;
  }

  /* Save the reader's own comments, dropping those whose window is over. */
  function saveOwn() {
    for (const id in ownComments) {
      if (!(ownComments[id]?.[1] > Date.now())) delete ownComments[id];
    }
    stored(EDITS_KEY, ownComments);
  }

  function forgetOwn(record) {
    clearTimeout(record.expiry);
    record.ownControls.remove();
    if (!ownComments[record.comment.id]) return; // forgotten already ("Forget me")
    delete ownComments[record.comment.id];
    saveOwn();
  }

  /* "Edit" and "Delete" (which asks in place first); returns the delete button. */
  function showOwnControls(record) {
    const deleteButton = button("lk", t("delete"), () => {
      record.ownControls.replaceChildren(
        t("deleteAsk") + " ",
        button("lk", t("delete"), () => deleteComment(record)),
        button("lk", t("cancel"), () => showOwnControls(record).focus()),
      );
      record.ownControls.querySelector("button").focus();
    });
    record.editButton = button("lk", t("edit"), () => openEditor(record));
    record.ownControls.replaceChildren(record.editButton, deleteButton);
    return deleteButton;
  }

  /* PATCH or DELETE one's comment: the answer, or nothing once an error is shown. */
  async function change(record, method, body) {
    sayOn(record, "");
    const token = ownComments[record.comment.id]?.[0];
    const headers = token ? {"X-Edit-Token": token} : {};
    const data = await request("comments/" + record.comment.id, {method, body, headers}).catch(() => ({}));
    if (data._status < 300 || data.errors?.body) return data;
    if (data.code === "thread_closed") return closeThread(true);
    sayOn(record, data.detail || t("offline"));
    if (data.code === "not_editable") {
      record.closeEditor?.();
      forgetOwn(record);
      record.el.focus();
    }
  }

  function openEditor(record) {
    const errorId = "e" + record.comment.id;
    const mine = ownComments[record.comment.id];
    const close = () => {
      editor.remove();
      record.editButton.focus();
    };
    const box = element("textarea", {"aria-label": t("editLabel"), "aria-describedby": errorId});
    const error = element("p", {class: "fe", id: errorId});
    const save = button("btn", t("save"), async () => {
      const data = await change(record, "PATCH", JSON.stringify({body: box.value}));
      const comment = data?.comment;
      if (comment) {
        if (data.held && record.comment.status !== "pending") setCount(visibleCount - 1);
        mine[2] = box.value;
        if (data.editable_until) {
          mine[1] = editableUntil(data);
          expireOwn(record);
        }
        saveOwn();
        record.comment = comment;
        record.text.innerHTML = comment.html; // sanitized by the service
        record.editedMark ||= record.meta.appendChild(element("span", {text: t("edited")}));
        close();
        if (record.pending) record.pending.remove();
        if (data.held) record.text.before((record.pending = pendingNotice(holdReason(data))));
        announce(t(data.held ? "held" : "saved"));
      } else if (data) {
        error.textContent = data.errors.body;
        box.setAttribute("aria-invalid", "true");
        box.focus();
      }
    });
    const editor = element("div", {class: "ed", onkeydown: (event) => event.key === "Escape" && close()}, [
      box,
      error,
      element("div", {class: "ft"}, [element("div", {class: "bt"}, [button("lk", t("cancel"), close), save])]),
    ]);
    box.value = mine[2] ?? record.text.textContent; // the Markdown, when this browser wrote it
    record.closeEditor = close;
    record.text.before(editor);
    box.focus();
  }

  /* "Report": why (a note with "other"), sent once, then thanks in place of the form. */
  function openReport(record) {
    const opener = record.reportButton;
    if (record.reportForm) return record.reportForm.querySelector("input").focus();
    const note = element("input", {name: "note", maxlength: "300", "aria-label": t("reportNote"), placeholder: t("reportNote"), hidden: true});
    const message = element("p", {class: "msg", role: "alert"});
    const submit = element("button", {type: "submit", class: "btn", text: t("sendReport")});
    const close = () => {
      form.remove();
      record.reportForm = null;
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
    };
    const choices = [["spam", t("spam")], ["abuse", t("abuse")], ["off_topic", t("offTopic")], ["other", t("other")]];
    const form = (record.reportForm = element(
      "form",
      {
        class: "rf",
        onchange: () => (note.hidden = form.elements.reason.value !== "other"),
        onkeydown: (event) => event.key === "Escape" && close(),
        onsubmit: async (event) => {
          event.preventDefault();
          submit.disabled = true;
          const body = JSON.stringify({reason: form.elements.reason.value, note: (!note.hidden && note.value.trim()) || undefined});
          const data = await request(`comments/${record.comment.id}/flag`, {method: "POST", body}).catch(() => ({}));
          submit.disabled = false;
          if (data._status !== 202) return (message.textContent = data.detail || t("reportFailed"));
          const thanks = element("p", {class: "note", tabindex: "-1", text: t("reported")});
          form.replaceWith(thanks);
          opener.remove();
          thanks.focus();
          announce(t("reported"));
        },
      },
      [
        element("fieldset", {}, [
          element("legend", {text: t("reportAsk")}),
          ...choices.map(([value, text]) => element("label", {}, [element("input", {type: "radio", name: "reason", value, required: true}), text])),
        ]),
        note,
        message,
        element("div", {class: "bt"}, [button("lk", t("cancel"), close), submit]),
      ],
    ));
    opener.setAttribute("aria-expanded", "true");
    record.body.insertBefore(form, record.replies);
    form.querySelector("input").focus();
  }

  async function deleteComment(record) {
    if (!(await change(record, "DELETE"))) return showOwnControls(record).focus();
    if (record.comment.status !== "pending") setCount(visibleCount - 1);
    forgetOwn(record);
    record.comment.status = "deleted";
    takeAway(record);
    showIfEmpty();
    (records.get(record.comment.id) || records.get(record.comment.parent_id) || {el: heading}).el.focus();
    announce(t("deleted"));
  }

  const showIfEmpty = () => list.firstChild || list.append(element("p", {class: "note empty", text: t("empty")}));

  /* Put a reply under its parent, or flat at DEEPEST_LEVEL with "in reply to". */
  function placeReply(comment, top, reason) {
    const parent = records.get(comment.parent_id);
    let box = top.replies;
    let level = 1;
    let replyTo = comment.in_reply_to;
    if (parent && parent.level < DEEPEST_LEVEL) [box, level, replyTo] = [parent.replies, parent.level + 1, null];
    else if (parent) [box, level] = [parent.el.parentNode, parent.level];
    const record = commentRecord(comment, level, replyTo, reason);
    record.top = top;
    top.shownReplies++;
    box.append(record.el);
    return record;
  }

  function placeReplies(replies, top) {
    for (const comment of replies || []) {
      placeReply(comment, top);
      placeReplies(comment.replies, top);
    }
  }

  function rootRecord(comment, reason) {
    const record = commentRecord(comment, 0, null, reason);
    record.top = record;
    record.totalReplies = comment.replies_total || 0;
    record.repliesCursor = comment.replies_cursor;
    placeReplies(comment.replies, record);
    updateMoreReplies(record);
    return record;
  }

  /* "Show N more replies" under a root, while the API has more. */
  function updateMoreReplies(record) {
    const left = record.totalReplies - record.shownReplies;
    if (!record.repliesCursor || left <= 0) {
      record.moreReplies?.remove();
      record.moreReplies = null;
      return;
    }
    record.moreReplies ||= record.body.appendChild(button("lk mr", "", () => loadReplies(record)));
    record.moreReplies.textContent = t("moreReplies", {n: left});
  }

  async function loadReplies(record) {
    const moreReplies = record.moreReplies;
    const limit = Math.min(100, record.totalReplies - record.shownReplies);
    moreReplies.disabled = true;
    try {
      const query = `limit=${limit}&cursor=${encode(record.repliesCursor)}`;
      const data = await request(`comments/${record.comment.id}/replies?${query}`);
      if (data._status !== 200) throw new Error(data.detail);
      const added = data.comments.map((comment) => placeReply(comment, record));
      record.repliesCursor = data.next_cursor;
      updateMoreReplies(record);
      added[0]?.el.focus();
      announce(t("loaded", {n: added.length}));
    } catch (error) {
      if (!unmounted) warn("could not load replies: " + error.message);
    }
    moreReplies.disabled = false;
  }

  function setCount(n) {
    visibleCount = n;
    heading.textContent = t("count", {n});
  }

  /* Highlight, scroll to and focus a comment shown; false when it is not. */
  function focusComment(id) {
    const record = records.get(+id);
    if (!record) return false;
    root.querySelector(".hl")?.classList.remove("hl");
    record.el.classList.add("hl");
    record.el.scrollIntoView({block: "start"});
    record.el.focus({preventScroll: true});
    return true;
  }

  function onHashChange() {
    const id = PERMALINK.exec(location.hash)?.[1];
    if (id && thread && !focusComment(id)) {
      around = id;
      load(false);
    }
  }

  function sortBy(key) {
    if (settings.sort === key) return;
    settings.sort = key;
    around = null;
    sortBar.querySelectorAll("button").forEach((sortButton, i) => sortButton.setAttribute("aria-pressed", SORTS[i] === key));
    load(false);
  }

  /* Ask for a page of roots: the one at `cursor`, else the one `around` a permalink, else the first. */
  function fetchPage(cursor) {
    let query = `comments?site=${encode(settings.site)}&thread=${encode(settings.thread)}&sort=${settings.sort}`;
    if (cursor) query += "&cursor=" + encode(cursor);
    else if (around) query += "&around=" + around;
    return request(query);
  }

  /* "Show newer comments" above the list, while the API has roots before those shown. */
  function updateNewer() {
    newerButton.hidden = !prevCursor;
    newerButton.disabled = false;
    newerButton.textContent = t(settings.sort === "newest" ? "newer" : "previous");
  }

  /* Put the roots just before those shown above them, as the API orders them. */
  async function loadNewer() {
    const generation = listGeneration;
    [newerButton.disabled, newerButton.textContent] = [true, t("loadingMore")];
    try {
      const data = await fetchPage(prevCursor);
      if (generation !== listGeneration) return; // the list was replaced meanwhile
      if (data._status !== 200) throw new Error(data.detail || "HTTP " + data._status);
      // A comment the reader posted meanwhile is shown already.
      const roots = data.comments.filter((comment) => !records.has(comment.id)).map((comment) => rootRecord(comment));
      list.querySelector(".empty")?.remove();
      list.prepend(...roots.map((record) => record.el));
      prevCursor = data.prev_cursor;
      updateNewer();
      roots[0]?.el.focus();
      announce(t("loaded", {n: roots.length}));
    } catch (error) {
      if (unmounted || generation !== listGeneration) return;
      warn("could not load comments: " + error.message);
      updateNewer();
    }
  }

  /* Show a page: replacing the list, or after it (`more`). `pending`: the request already made. */
  async function load(more, pending) {
    const generation = ++loadGeneration;
    if (more) [moreButton.disabled, moreButton.textContent] = [true, t("loadingMore")];
    else list.setAttribute("aria-busy", "true");
    try {
      const data = await (pending || fetchPage(more && nextCursor));
      if (generation !== loadGeneration) return;
      if (data._status === 404 && around) {
        around = null; // the linked comment is gone: show the thread from the top
        return load(false);
      }
      if (data._status !== 200) throw new Error(data.detail || "HTTP " + data._status);
      showPage(data, more);
    } catch (error) {
      if (unmounted || generation !== loadGeneration) return;
      warn("could not load comments: " + error.message);
      if (more) [moreButton.disabled, moreButton.textContent] = [false, t("loadMore")];
      else {
        const retry = button("lk", t("retry"), () => load(more));
        list.replaceChildren(element("p", {class: "note", role: "alert"}, [t("loadFailed") + " ", retry]));
      }
    }
  }

  function showPage(data, more) {
    const first = !thread;
    thread = data.thread;
    nextCursor = data.next_cursor;
    if (first) {
      setCount(thread.comment_count);
      // A thread nobody has commented on has no feed yet.
      const feed = API + `feeds/thread.atom?site=${encode(settings.site)}&thread=${encode(settings.thread)}`;
      if (thread.comment_count) moreButton.after(element("a", {class: "lk", href: feed, type: "application/atom+xml", text: t("feed")}));
      if (thread.closed) closeThread();
      else showForm();
    }
    if (!more) {
      listGeneration++;
      records.clear();
      list.replaceChildren();
      prevCursor = data.prev_cursor;
      updateNewer();
    }
    const roots = data.comments.map((comment) => rootRecord(comment));
    list.append(...roots.map((record) => record.el));
    showIfEmpty();
    list.removeAttribute("aria-busy");
    [moreButton.hidden, moreButton.disabled, moreButton.textContent] = [!nextCursor, false, t("loadMore")];
    if (more) {
      roots[0]?.el.focus();
      announce(t("loaded", {n: roots.length}));
    } else if (around) focusComment(around);
    if (first) requestAnimationFrame(() => performance.mark("comments:painted"));
  }

  /* The site's own words for a closed thread when it has some, else the language file's. */
  function closeThread(focus) {
    thread.closed = true;
    const text = thread.closed_message || t("closed");
    formSlot.replaceChildren(element("p", {class: "note", text, tabindex: "-1"}));
    root.querySelectorAll(".rp,.act span,.c form:not(.rf),.ed").forEach((el) => el.remove());
    replyForms.clear();
    records.forEach(paintVotes);
    if (focus) formSlot.firstChild.focus();
  }

  function openReply(record) {
    let form = replyForms.get(record.comment.id);
    if (!form) {
      replyForms.set(record.comment.id, (form = commentForm(record)));
      record.body.insertBefore(form.el, record.replies);
    }
    record.replyButton.setAttribute("aria-expanded", "true");
    form.body.focus();
  }

  /* A comment form; `parent`: the record of the comment replied to, or null. */
  function commentForm(parent) {
    const id = "f" + ++formCount;
    const remembered = stored(AUTHOR_KEY);
    const prefill = mainForm ? mainForm.values() : remembered;
    const inputs = {};
    const errors = {};
    const field = (key, tag, attributes, label, labelHidden) => {
      const fieldId = id + key.replace(".", "-");
      errors[key] = element("p", {class: "fe", id: fieldId + "e"});
      const describedBy = (labelHidden ? id + "md " : "") + fieldId + "e";
      inputs[key] = element(tag, {...attributes, id: fieldId, name: key, "aria-describedby": describedBy});
      return element("div", {}, [
        element("label", {for: fieldId, text: label, class: labelHidden && "sr"}),
        inputs[key],
        errors[key],
      ]);
    };
    const message = element("div", {class: "msg", role: "alert"});
    const submit = element("button", {type: "submit", class: "btn"});
    const labelSubmit = () => {
      submit.textContent = t(parent ? "postReply" : "post");
    };
    const forget = button("lk", t("forget"), () => {
      stored(AUTHOR_KEY, null);
      stored(EDITS_KEY, null); // nor may the next reader change the comments
      stored(READER_KEY, null); // or the votes
      ownComments = {};
      root.querySelectorAll(".act span").forEach((el) => el.remove());
      for (const form of [mainForm, ...replyForms.values()]) {
        if (!form) continue;
        AUTHOR_FIELDS.forEach((key) => {
          form.inputs[key].value = "";
        });
        form.rememberedNote.hidden = true;
      }
      inputs["author.name"].focus();
    });
    const rememberedNote = element("p", {class: "rm", hidden: !remembered.name}, [t("remembered") + " ", forget]);
    // The honeypot: hidden from people; only bots fill it in.
    const honeypot = element("input", {class: "hp", name: "hp", tabindex: "-1", autocomplete: "off", "aria-hidden": "true"});
    const closeReply = () => {
      replyForms.delete(parent.comment.id);
      form.remove();
      parent.replyButton.setAttribute("aria-expanded", "false");
    };
    // Reply emails can only be asked for with an email address.
    const notify = element("input", {type: "checkbox", name: "notify"});
    const notifyRow = element("label", {class: "nt", hidden: !prefill.email}, [notify, t("notify")]);
    const showNotify = () => (notifyRow.hidden = !inputs["author.email"].value.trim());
    // The author's fields unfold once the reader starts writing.
    const unfold = () => form.classList.add("open");
    const submitted = (event) => {
      event.preventDefault();
      send();
    };
    const form = element("form", {novalidate: true, class: remembered.name && "open", onsubmit: submitted}, [
      field(
        "body",
        "textarea",
        {
          required: true,
          maxlength: "10000",
          rows: 2,
          onfocus: unfold,
          placeholder: t(parent ? "replyPlaceholder" : "placeholder"),
        },
        parent ? t("replyTo", {name: parent.comment.author.name}) : t("body"),
        true,
      ),
      element("div", {class: "id"}, [
        field("author.name", "input", {required: true, autocomplete: "name", maxlength: "80", value: prefill.name}, t("name")),
        field("author.email", "input", {type: "email", autocomplete: "email", value: prefill.email, oninput: showNotify}, t("email")),
        field("author.website", "input", {type: "url", autocomplete: "url", value: prefill.website}, t("website")),
        notifyRow,
      ]),
      honeypot,
      element("div", {class: "ft"}, [
        element("div", {}, [
          element("p", {id: id + "md", text: t("markdown")}),
          thread.moderation === "pre" && element("p", {text: t("premod")}),
          rememberedNote,
        ]),
        element("div", {class: "bt"}, [
          parent &&
            button("lk", t("cancel"), () => {
              closeReply();
              parent.replyButton.focus();
            }),
          submit,
        ]),
      ]),
      message,
    ]);
    labelSubmit();

    const values = () => Object.fromEntries(AUTHOR_FIELDS.map((key) => [key.slice("author.".length), inputs[key].value.trim()]));

    const fail = (text, offerRetry) => message.replaceChildren(text, offerRetry ? button("lk", t("retry"), send) : "");

    async function send() {
      const who = values();
      const author = {name: who.name, email: who.email || undefined, website: who.website || undefined};
      const payload = {
        site: settings.site,
        thread: settings.thread,
        url: settings.url,
        title: settings.title || undefined,
        body: inputs.body.value,
        author: sso ? undefined : author, // a signed-in reader is named by their token
        hp: honeypot.value,
        notify: !!author.email && notify.checked,
        lang,
      };
      if (parent) payload.parent_id = parent.comment.id;
      for (const key of FIELDS) {
        errors[key].textContent = "";
        inputs[key].removeAttribute("aria-invalid");
      }
      message.replaceChildren();
      unfold();
      [submit.disabled, submit.textContent] = [true, t("posting")];
      let data;
      try {
        data = await request("comments", {method: "POST", body: JSON.stringify(payload)});
      } catch {
        if (!unmounted) fail(t("offline"), true); // the draft stays in the form
      }
      submit.disabled = false;
      labelSubmit();
      if (!data) return;
      if (data._status === 201 || data._status === 202) return posted(data, who);
      if (data.code === "thread_closed") return closeThread(true);
      if (data.code === "rate_limited") {
        return fail(t("tooFast", {when: relativeTime(Math.max(1, +data.retry_after || 60))}));
      }
      if (data.code !== "validation") return fail(data.detail || t("failed"), data._status >= 500);
      const fieldErrors = data.errors || {};
      const wrong = FIELDS.filter((key) => fieldErrors[key]);
      for (const key of wrong) {
        errors[key].textContent = fieldErrors[key];
        inputs[key].setAttribute("aria-invalid", "true");
      }
      // Errors on fields the form does not show (url...) read best in the service's words.
      fail(Object.keys(fieldErrors).length > wrong.length ? data.detail : t("fix"));
      inputs[wrong[0]]?.focus();
    }

    function posted(data, who) {
      const comment = data.comment;
      let record;
      stored(AUTHOR_KEY, who);
      for (const form of [mainForm, ...replyForms.values()]) if (form) form.rememberedNote.hidden = false;
      ownComments[comment.id] = [data.edit_token, editableUntil(data), inputs.body.value];
      saveOwn();
      inputs.body.value = "";
      if (parent) {
        closeReply();
        record = placeReply(comment, parent.top, holdReason(data));
        parent.top.totalReplies++;
        updateMoreReplies(parent.top);
      } else {
        record = rootRecord(comment, holdReason(data));
        list.prepend(record.el);
        list.querySelector(".empty")?.remove();
      }
      if (!data.held) setCount(visibleCount + 1);
      record.el.focus();
      announce(t(data.held ? "held" : "posted"));
      // A first request for reply emails waits for the reader to confirm their address.
      if (data.notify === "confirm") sayOn(record, t("checkInbox"));
    }

    return {el: form, body: inputs.body, inputs, rememberedNote, values};
  }

  function render() {
    heading = element("h2", {text: t("region"), tabindex: "-1"});
    const sortButtons = SORTS.map((key) => button("", t(key), () => sortBy(key), {"aria-pressed": String(key === settings.sort)}));
    sortBar = element("div", {class: "sort", role: "group", "aria-label": t("sort")}, sortButtons);
    formSlot = element("div");
    newerButton = button("more newer", "", loadNewer, {hidden: true});
    list = element("div", {class: "list"}, [element("p", {class: "note", text: t("loading")})]);
    moreButton = button("more", "", () => load(true), {hidden: true});
    liveRegion = element("div", {class: "sr", "aria-live": "polite"});
    whoLine = element("p", {class: "who", hidden: true});
    section = element("section", {class: "w " + settings.theme + (sso ? " si" : ""), lang, "aria-label": t("region")}, [
      element("div", {class: "hd"}, [heading, sortBar]),
      whoLine,
      formSlot,
      newerButton,
      list,
      moreButton,
      liveRegion,
    ]);
    root.replaceChildren(element("style", {text: CSS}), section);
  }

  async function start() {
    const firstPage = fetchPage(null); // ask for the comments while the strings load
    firstPage.catch(() => {}); // load() reports it
    try {
      // The service answers a tag it has no file for with the closest one.
      const response = await fetch(I18N + lang + ".json", {signal: aborter.signal});
      strings = await response.json();
    } catch (error) {
      return unmounted || warn(`could not load the strings for ${lang}: ${error.message}`);
    }
    if (unmounted) return;
    lang = strings.lang;
    formats = {
      plural: new Intl.PluralRules(lang),
      number: new Intl.NumberFormat(lang),
      relative: new Intl.RelativeTimeFormat(lang, {numeric: "auto"}),
    };
    render();
    load(false, firstPage);
    loadMe();
  }

  if (!settings.site) {
    warn("data-site is missing on the comments container");
    return null;
  }
  start();
  addEventListener("hashchange", onHashChange);
  return () => {
    unmounted = true;
    aborter.abort();
    removeEventListener("hashchange", onHashChange);
    root.replaceChildren();
  };
}

/* The element to mount into: `el` (an element or a selector), else data-container, else #comments. */
function container(options = {}) {
  const el = options.el || script.dataset.container || "#comments";
  return typeof el === "string" ? document.querySelector(el) : el;
}

/* Mount, replacing an earlier mount: single-page apps call this on navigation. */
function init(options = {}) {
  const el = container(options);
  if (!el) return warn("no element to mount the comments into");
  unmountCurrent?.();
  unmountCurrent = mount(el, options);
}

// On the page twice, the first copy does the work.
if (!Comments.init) {
  Comments.init = init;
  if (container()) init();
  else {
    // Mount once the container appears (the script in the <head>, or added before it).
    const watcher = new MutationObserver(() => {
      if (unmountCurrent || container()) {
        watcher.disconnect();
        unmountCurrent || init();
      }
    });
    watcher.observe(document.documentElement, {childList: true, subtree: true});
  }
}
