/* comments: the embeddable widget (docs/widget.md); one IIFE, its only global window.Comments. */
(() => {
  "use strict";
  performance.mark("comments:start");

  const script = document.currentScript || document.querySelector('script[src*="/embed.js"]');
  const API = new URL("../api/v1/", script.src).href;
  const I18N = new URL("i18n/", script.src).href;
  const DEEPEST = 3;
  const STORE = "comments:author";
  const WINDOW = 9e5; // ms: the service's default EDIT_WINDOW
  const SORTS = ["newest", "oldest", "top"];
  const FIELDS = ["body", "author.name", "author.email", "author.website"];
  const COLORS = "b3261e 8e24aa 5e35b1 1e63b5 00796b 2e7d32 b4480c ad1457 455a64 6d4c41".split(" ");
  const HASH = /^#comment-(\d+)$/;
  // Page styles get in only through --comments-*; .w resets the rest (hostile pages set font-size: 0).
  const CSS = `:host{display:block!important}
.w{all:initial;display:block;font:15px/1.55 var(--comments-font,system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif);--f:var(--comments-fg,light-dark(#1f2328,#e6edf3));--m:var(--comments-muted,light-dark(#59636e,#9198a1));--l:var(--comments-border,light-dark(#d1d9e0,#3d444d));--a:var(--comments-accent,light-dark(#0969da,#4493f8));--b:var(--comments-button,light-dark(#0969da,#1f6feb));--i:var(--comments-field,light-dark(#fff,#0d1117));--s:var(--comments-surface,light-dark(#f6f8fa,#151b23));--y:var(--comments-highlight,light-dark(#fff8c5,#3a3000));--e:light-dark(#d1242f,#ff7b72);--r:var(--comments-radius,8px);color-scheme:light;color:var(--f);background:var(--comments-bg);container-type:inline-size}
.dark{color-scheme:dark}.auto{color-scheme:light dark}*{box-sizing:border-box}
button,input,textarea{font:inherit;color:inherit}button{cursor:pointer}:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.hd{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:8px;border-bottom:1px solid var(--l);padding:0 0 10px;margin:0 0 18px}
h2{font-size:17px;font-weight:650;margin:0}.sort{display:flex;gap:2px}
.sort button,.lk{background:none;border:0;padding:4px 10px;border-radius:6px;color:var(--m);font-size:14px}
.sort [aria-pressed=true]{background:var(--s);color:var(--f);font-weight:600}
form{margin:0 0 8px}textarea,input{display:block;width:100%;background:var(--i);border:1px solid var(--l);border-radius:var(--r);padding:8px 11px;margin:0}
textarea{min-height:60px;resize:vertical}.open textarea{min-height:104px}.c textarea{min-height:72px}
form:not(.open) .id{display:none}.id{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px;margin:8px 0 0}
label{display:block;font-size:13px;color:var(--m);margin:0 0 2px}
.ft{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin:10px 0 0;font-size:13px;color:var(--m)}
.ft p{margin:0}.bt{display:flex;gap:8px;margin-inline-start:auto}
.btn{background:var(--b);color:#fff;border:0;border-radius:var(--r);padding:8px 18px;font-weight:600}.btn:disabled{opacity:.6;cursor:progress}
.lk{padding:2px 0;font-size:13px;font-weight:600}.lk:hover{color:var(--a)}
.fe{color:var(--e);font-size:13px;margin:4px 0 0}.fe:empty,.msg:empty{display:none}[aria-invalid=true]{border-color:var(--e)}
.msg{margin:10px 0 0;padding:8px 12px;border-radius:var(--r);background:var(--s);border-inline-start:3px solid var(--e)}.msg .lk{margin-inline-start:8px;color:var(--a)}
.note{color:var(--m);margin:16px 0;padding:12px 16px;background:var(--s);border-radius:var(--r)}
.c{display:grid;grid-template-columns:auto minmax(0,1fr);gap:0 12px;margin:20px 0 0;border-radius:var(--r);scroll-margin:80px}
.c .c{margin-top:16px}.c:focus{outline:0}.hl{background:var(--y);box-shadow:0 0 0 8px var(--y)}
.av{width:40px;height:40px;border-radius:50%;display:grid;place-items:center;color:#fff;font-weight:600;overflow:hidden;user-select:none}
.av img{width:100%;height:100%;object-fit:cover}.kids .av{width:32px;height:32px;font-size:13px}
.meta{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 8px;font-size:13px;color:var(--m)}
.nm{font-size:14px;font-weight:650;color:var(--f);text-decoration:none}a.nm:hover{color:var(--a)}
.bdg{font-size:11px;font-weight:600;padding:0 6px;border:1px solid var(--l);border-radius:9px}
.tm{color:inherit;text-decoration:none}.tm:hover{text-decoration:underline}
.tx{overflow-wrap:anywhere;margin:2px 0 4px}.tx>*{margin:0 0 8px}.tx>:last-child{margin-bottom:0}.tx a{color:var(--a)}
.tx blockquote{padding-left:12px;border-inline-start:3px solid var(--l);color:var(--m)}.tx pre{overflow:auto;padding:8px 12px;background:var(--s);border-radius:6px}
.tx code{font:.9em ui-monospace,Menlo,Consolas,monospace}.tx img{max-width:100%}.tx ul,.tx ol{padding-inline-start:22px}
.pend{font-size:13px;margin:4px 0;padding:4px 10px;border-radius:6px;background:var(--y)}
.more{display:block;width:100%;margin:24px 0 0;padding:10px;background:var(--s);border:1px solid var(--l);border-radius:var(--r);font-weight:600}
.mr{color:var(--a);margin-top:10px}.act{font-size:13px;color:var(--m)}.act .lk{margin-inline-end:12px}
.ed+.tx,.ed+.tx+.act span{display:none}
[hidden]{display:none!important}
.sr,.hp{position:absolute;width:1px;height:1px;padding:0;border:0;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
@container (max-width:480px){.kids{margin-inline-start:-40px}}`;

  const Comments = window.Comments = window.Comments || {};
  if (Comments.init) return; // on the page twice: the first copy does the work
  let current = null;

  const log = (msg) => console.warn("[comments] " + msg);
  const enc = encodeURIComponent;

  /* What readers wrote only ever goes in through `text`. */
  function h(tag, attrs = {}, kids = []) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === "text") el.textContent = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    el.append(...kids.filter(Boolean));
    return el;
  }

  const button = (cls, text, onclick, attrs) => h("button", {type: "button", class: cls, text, onclick, ...attrs});

  /* Read (no value), save or forget (null) a localStorage entry. */
  function store(key, value) {
    try {
      if (value === undefined) return JSON.parse(localStorage.getItem(key)) || {};
      if (value) localStorage.setItem(key, JSON.stringify(value));
      else localStorage.removeItem(key);
    } catch { /* storage blocked: nothing is remembered */ }
    return {};
  }

  function mount(host, o) {
    const root = host.shadowRoot || host.attachShadow({mode: "open"});
    const opt = (k) => String(o[k] ?? host.dataset[k] ?? script.dataset[k] ?? "");
    const url = opt("url") || document.querySelector('link[rel="canonical"]')?.href || location.href.split("#")[0];
    const s = {
      site: opt("site"), url, title: opt("title") || document.title, sso: opt("sso"),
      thread: opt("thread") || new URL(url, location.href).pathname,
      theme: ["dark", "auto"].includes(opt("theme")) ? opt("theme") : "light",
      sort: SORTS.includes(opt("sort")) ? opt("sort") : "newest"
    };
    let lang = opt("lang") || navigator.language || "en";
    if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(lang)) lang = "en";
    let strings = {}, fmt, seq = 0, gen = 0, dead = false, cursor = null, thread = null, count = 0;
    let around = HASH.exec(location.hash)?.[1];
    let head, sortBar, formSlot, list, moreBtn, live, mainForm;
    // {id: [edit token, posted at, Markdown]} of the reader's comments.
    const MINE = `comments:edit:${s.site}:${API}`;
    let own = store(MINE);
    const nodes = new Map(), replyForms = new Map(), aborter = new AbortController();

    function t(key, vars = {}) {
      let str = strings[key] ?? key;
      if (typeof str === "object") str = str[fmt.plural.select(vars.n)] || str.other;
      return str.replace(/\{(\w+)\}/g, (_, name) => name === "n" ? fmt.num.format(vars.n) : vars[name]);
    }

    /* `seconds` from now; negative: ago. */
    function relative(seconds) {
      const units = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"], [12, "month"], [1 / 0, "year"]];
      for (const [size, unit] of units) {
        if (Math.abs(seconds) < size) return fmt.rel.format(Math.round(seconds), unit);
        seconds /= size;
      }
    }

    /* The JSON answer plus `_status`; rejects when offline. */
    async function request(path, init = {}) {
      init.signal = aborter.signal;
      init.credentials = "omit";
      init.headers ||= {};
      if (s.sso) init.headers.Authorization = "Bearer " + s.sso;
      if (init.body) init.headers["Content-Type"] = "application/json";
      const res = await fetch(API + path, init);
      const data = await res.json().catch(() => ({}));
      data._status = res.status;
      return data;
    }

    function announce(text) {
      live.textContent = "";
      requestAnimationFrame(() => { live.textContent = text; });
    }

    /* Initials on the author's colour: nothing is fetched from elsewhere. */
    function avatar(author) {
      const box = h("div", {class: "av", "aria-hidden": "true"});
      if (/^https:\/\//.test(author.avatar)) {
        box.append(h("img", {src: author.avatar, alt: "", loading: "lazy", referrerpolicy: "no-referrer"}));
        return box;
      }
      const words = (author.name || "?").trim().split(/\s+/);
      box.textContent = [words[0], words[1] && words.at(-1)].map((w) => w && [...w][0]).join("").toUpperCase();
      box.style.background = "#" + COLORS[parseInt((author.hash || "0").slice(0, 8), 16) % COLORS.length];
      return box;
    }

    function time(iso) {
      const date = new Date(iso), seconds = (date - Date.now()) / 1000;
      return h("time", {datetime: iso, title: date.toLocaleString(lang), text: seconds > -45 ? t("now") : relative(seconds)});
    }

    const pend = (reason) => h("p", {class: "pend", text: t("pending") + (reason ? " " + reason : "")});

    /* `replyTo`: set when not right under its parent. */
    function node(c, level, replyTo, reason) {
      const a = c.author, id = "comment-" + c.id, web = /^https?:\/\//i.test(a.website), mine = own[c.id];
      const name = h(web ? "a" : "span", {
        class: "nm", id: id + "n", text: a.name, href: web && a.website,
        rel: web && "nofollow ugc noopener noreferrer", target: web && "_blank"
      });
      const rec = {c, level, kids: h("div", {class: "kids"}), shown: 0, tx: h("div", {class: "tx"}), own: mine && h("span")};
      rec.meta = h("div", {class: "meta"}, [
        name,
        ...(a.badges || []).map((b) => h("span", {class: "bdg", text: b})),
        replyTo && h("span", {text: t("inReplyTo", {name: replyTo.name})}),
        h("a", {class: "tm", href: location.href.split("#")[0] + "#" + id}, [time(c.created_at)]),
        rec.mark = c.edited_at && h("span", {text: t("edited")})
      ]);
      rec.tx.innerHTML = c.html; // sanitized by the service
      rec.btn = button("lk", t("reply"), () => openReply(rec), {"aria-label": t("replyTo", {name: a.name}), "aria-expanded": "false"});
      rec.body = h("div", {}, [
        rec.meta,
        rec.pend = c.status === "pending" && pend(reason),
        rec.tx,
        !thread.closed && h("div", {class: "act"}, [rec.btn, rec.own]),
        replyForms.get(c.id)?.el,
        rec.kids
      ]);
      rec.el = h("article", {class: "c", id, tabindex: "-1", "aria-labelledby": id + "n"}, [avatar(a), rec.body]);
      nodes.set(c.id, rec);
      if (mine) {
        controls(rec);
        setTimeout(() => drop(rec), mine[1] + WINDOW - Date.now());
      }
      return rec;
    }

    const say = (rec, text) => (rec.msg ||= rec.body.insertBefore(h("p", {class: "msg", role: "alert"}), rec.kids)).textContent = text;

    function keep() {
      for (const id in own) if (!(Date.now() - own[id]?.[1] < WINDOW)) delete own[id];
      store(MINE, own);
    }

    function drop(rec) {
      delete own[rec.c.id];
      keep();
      rec.own.remove();
    }

    function controls(rec) {
      const del = button("lk", t("delete"), () => {
        rec.own.replaceChildren(t("deleteAsk") + " ", button("lk", t("delete"), () => destroy(rec)), button("lk", t("cancel"), () => controls(rec).focus()));
        rec.own.querySelector("button").focus();
      });
      rec.own.replaceChildren(rec.edit = button("lk", t("edit"), () => edit(rec)), del);
      return del;
    }

    /* PATCH or DELETE: the answer, or nothing once an error is shown. */
    async function change(rec, method, body) {
      say(rec, "");
      const data = await request("comments/" + rec.c.id, {method, body, headers: {"X-Edit-Token": own[rec.c.id]?.[0]}}).catch(() => ({}));
      if (data._status < 300 || data.errors?.body) return data;
      if (data.code === "thread_closed") return closeThread(true);
      say(rec, data.detail || t("offline"));
      if (data.code === "not_editable") {
        rec.shut?.();
        drop(rec);
        rec.el.focus();
      }
    }

    function edit(rec) {
      const id = "e" + rec.c.id, mine = own[rec.c.id], close = () => { f.remove(); rec.edit.focus(); };
      const box = h("textarea", {"aria-label": t("editLabel"), "aria-describedby": id}), err = h("p", {class: "fe", id});
      const save = button("btn", t("save"), async () => {
        const data = await change(rec, "PATCH", JSON.stringify({body: box.value})), c = data?.comment;
        if (c) {
          if (data.held && rec.c.status !== "pending") setCount(count - 1);
          mine[2] = box.value;
          keep();
          rec.c = c;
          rec.tx.innerHTML = c.html;
          rec.mark ||= rec.meta.appendChild(h("span", {text: t("edited")}));
          close();
          if (rec.pend) rec.pend.remove();
          if (data.held) rec.tx.before(rec.pend = pend(data.reason));
          announce(t(data.held ? "held" : "saved"));
        } else if (data) {
          err.textContent = data.errors.body;
          box.setAttribute("aria-invalid", "true");
          box.focus();
        }
      });
      const f = h("div", {class: "ed", onkeydown: (e) => e.key === "Escape" && close()}, [
        box, err,
        h("div", {class: "ft"}, [h("div", {class: "bt"}, [button("lk", t("cancel"), close), save])])
      ]);
      box.value = mine[2] ?? rec.tx.textContent;
      rec.shut = close;
      rec.tx.before(f);
      box.focus();
    }

    async function destroy(rec) {
      if (!await change(rec, "DELETE")) return controls(rec).focus();
      if (rec.c.status !== "pending") setCount(count - 1);
      drop(rec);
      rec.el.remove();
      empty();
      (nodes.get(rec.c.parent_id)?.el || head).focus();
      announce(t("deleted"));
    }

    const empty = () => list.firstChild || list.append(h("p", {class: "note empty", text: t("empty")}));

    /* Under its parent, or flat at DEEPEST with "in reply to". */
    function place(c, top, reason) {
      const p = nodes.get(c.parent_id);
      let box = top.kids, level = 1, replyTo = c.in_reply_to;
      if (p && p.level < DEEPEST) [box, level, replyTo] = [p.kids, p.level + 1, null];
      else if (p) [box, level] = [p.el.parentNode, p.level];
      const rec = node(c, level, replyTo, reason);
      rec.top = top;
      top.shown++;
      box.append(rec.el);
      return rec;
    }

    function nest(replies, top) {
      for (const c of replies || []) { place(c, top); nest(c.replies, top); }
    }

    function rootNode(c, reason) {
      const rec = node(c, 0, null, reason);
      Object.assign(rec, {top: rec, total: c.replies_total || 0, cursor: c.replies_cursor});
      nest(c.replies, rec);
      moreReplies(rec);
      return rec;
    }

    function moreReplies(rec) {
      const left = rec.total - rec.shown;
      if (!rec.cursor || left <= 0) {
        rec.more?.remove();
        rec.more = null;
        return;
      }
      rec.more ||= rec.body.appendChild(button("lk mr", "", () => loadReplies(rec)));
      rec.more.textContent = t("moreReplies", {n: left});
    }

    async function loadReplies(rec) {
      const btn = rec.more, limit = Math.min(100, rec.total - rec.shown);
      btn.disabled = true;
      try {
        const data = await request(`comments/${rec.c.id}/replies?limit=${limit}&cursor=${enc(rec.cursor)}`);
        if (data._status !== 200) throw new Error(data.detail);
        const added = data.comments.map((c) => place(c, rec));
        rec.cursor = data.next_cursor;
        moreReplies(rec);
        added[0]?.el.focus();
        announce(t("loaded", {n: added.length}));
      } catch (err) {
        if (!dead) log("could not load replies: " + err.message);
      }
      btn.disabled = false;
    }

    function setCount(n) {
      count = n;
      head.textContent = t("count", {n});
    }

    function focusComment(id) {
      const rec = nodes.get(+id);
      if (!rec) return false;
      root.querySelector(".hl")?.classList.remove("hl");
      rec.el.classList.add("hl");
      rec.el.scrollIntoView({block: "start"});
      rec.el.focus({preventScroll: true});
      return true;
    }

    function onHash() {
      const id = HASH.exec(location.hash)?.[1];
      if (id && thread && !focusComment(id)) {
        around = id;
        load(false);
      }
    }

    function sortBy(key) {
      if (s.sort === key) return;
      s.sort = key;
      around = null;
      sortBar.querySelectorAll("button").forEach((b, i) => b.setAttribute("aria-pressed", SORTS[i] === key));
      load(false);
    }

    function page(more) {
      let q = `comments?site=${enc(s.site)}&thread=${enc(s.thread)}&sort=${s.sort}`;
      if (more) q += "&cursor=" + enc(cursor);
      else if (around) q += "&around=" + around;
      return request(q);
    }

    async function load(more, pending) {
      const mine = ++gen;
      if (more) [moreBtn.disabled, moreBtn.textContent] = [true, t("loadingMore")];
      else list.setAttribute("aria-busy", "true");
      try {
        const data = await (pending || page(more));
        if (mine !== gen) return;
        if (data._status === 404 && around) {
          around = null; // the linked comment is gone
          return load(false);
        }
        if (data._status !== 200) throw new Error(data.detail || "HTTP " + data._status);
        show(data, more);
      } catch (err) {
        if (dead || mine !== gen) return;
        log("could not load comments: " + err.message);
        if (more) [moreBtn.disabled, moreBtn.textContent] = [false, t("loadMore")];
        else list.replaceChildren(h("p", {class: "note", role: "alert"}, [t("loadFailed") + " ", button("lk", t("retry"), () => load(more))]));
      }
    }

    function show(data, more) {
      const first = !thread;
      thread = data.thread;
      cursor = data.next_cursor;
      if (first) {
        setCount(thread.comment_count);
        if (thread.closed) closeThread();
        else formSlot.append((mainForm = form(null)).el);
      }
      if (!more) {
        nodes.clear();
        list.replaceChildren();
      }
      const recs = data.comments.map((c) => rootNode(c));
      list.append(...recs.map((r) => r.el));
      empty();
      list.removeAttribute("aria-busy");
      [moreBtn.hidden, moreBtn.disabled, moreBtn.textContent] = [!cursor, false, t("loadMore")];
      if (more) {
        recs[0]?.el.focus();
        announce(t("loaded", {n: recs.length}));
      } else if (around) focusComment(around);
      if (first) requestAnimationFrame(() => performance.mark("comments:painted"));
    }

    function closeThread(focus) {
      thread.closed = true;
      formSlot.replaceChildren(h("p", {class: "note", text: t("closed"), tabindex: "-1"}));
      root.querySelectorAll(".act,.c form,.ed").forEach((x) => x.remove());
      replyForms.clear();
      if (focus) formSlot.firstChild.focus();
    }

    function openReply(rec) {
      let f = replyForms.get(rec.c.id);
      if (!f) {
        replyForms.set(rec.c.id, f = form(rec));
        rec.body.insertBefore(f.el, rec.kids);
      }
      rec.btn.setAttribute("aria-expanded", "true");
      f.body.focus();
    }

    /* A comment form; `parent`: the record replied to, or null. */
    function form(parent) {
      const id = "f" + ++seq, saved = store(STORE), from = mainForm ? mainForm.values() : saved;
      const inputs = {}, errs = {};
      const field = (key, tag, attrs, label, hidden) => {
        const fid = id + key.replace(".", "-");
        errs[key] = h("p", {class: "fe", id: fid + "e"});
        inputs[key] = h(tag, {...attrs, id: fid, name: key, "aria-describedby": (hidden ? id + "md " : "") + fid + "e"});
        return h("div", {}, [h("label", {for: fid, text: label, class: hidden && "sr"}), inputs[key], errs[key]]);
      };
      const msg = h("div", {class: "msg", role: "alert"});
      const submit = h("button", {type: "submit", class: "btn"});
      const label = () => { submit.textContent = t(parent ? "postReply" : "post"); };
      const forget = button("lk", t("forget"), () => {
        store(STORE, null);
        store(MINE, null); // nor may the next reader change the comments
        own = {};
        root.querySelectorAll(".act span").forEach((x) => x.remove());
        for (const f of [mainForm, ...replyForms.values()]) {
          if (!f) continue;
          FIELDS.slice(1).forEach((k) => { f.inputs[k].value = ""; });
          f.remembered.hidden = true;
        }
        inputs["author.name"].focus();
      });
      const remembered = h("p", {hidden: !saved.name}, [t("remembered") + " ", forget]);
      // Honeypot: hidden from people; only bots fill it.
      const hp = h("input", {class: "hp", name: "hp", tabindex: "-1", autocomplete: "off", "aria-hidden": "true"});
      const cancel = () => {
        replyForms.delete(parent.c.id);
        el.remove();
        parent.btn.setAttribute("aria-expanded", "false");
      };
      // The author fields unfold once the reader writes.
      const unfold = () => el.classList.add("open");
      const el = h("form", {novalidate: true, class: saved.name && "open", onsubmit: (e) => { e.preventDefault(); send(); }}, [
        field("body", "textarea", {
          required: true, maxlength: "10000", rows: 2, onfocus: unfold,
          placeholder: t(parent ? "replyPlaceholder" : "placeholder")
        }, parent ? t("replyTo", {name: parent.c.author.name}) : t("body"), true),
        h("div", {class: "id"}, [
          field("author.name", "input", {required: true, autocomplete: "name", maxlength: "80", value: from.name}, t("name")),
          field("author.email", "input", {type: "email", autocomplete: "email", value: from.email}, t("email")),
          field("author.website", "input", {type: "url", autocomplete: "url", value: from.website}, t("website"))
        ]),
        hp,
        h("div", {class: "ft"}, [
          h("div", {}, [
            h("p", {id: id + "md", text: t("markdown")}),
            thread.moderation === "pre" && h("p", {text: t("premod")}),
            remembered
          ]),
          h("div", {class: "bt"}, [
            parent && button("lk", t("cancel"), () => { cancel(); parent.btn.focus(); }),
            submit
          ])
        ]),
        msg
      ]);
      label();

      const values = () => Object.fromEntries(FIELDS.slice(1).map((k) => [k.slice(7), inputs[k].value.trim()]));

      const fail = (text, retry) => msg.replaceChildren(text, retry ? button("lk", t("retry"), send) : "");

      async function send() {
        const who = values(), author = {name: who.name, email: who.email || undefined, website: who.website || undefined};
        const payload = {site: s.site, thread: s.thread, url: s.url, title: s.title || undefined, body: inputs.body.value, author, hp: hp.value};
        if (parent) payload.parent_id = parent.c.id;
        for (const k of FIELDS) {
          errs[k].textContent = "";
          inputs[k].removeAttribute("aria-invalid");
        }
        msg.replaceChildren();
        unfold();
        [submit.disabled, submit.textContent] = [true, t("posting")];
        let data;
        try {
          data = await request("comments", {method: "POST", body: JSON.stringify(payload)});
        } catch {
          if (!dead) fail(t("offline"), true); // the draft stays in the form
        }
        submit.disabled = false;
        label();
        if (!data) return;
        if (data._status === 201 || data._status === 202) return posted(data, who);
        if (data.code === "thread_closed") return closeThread(true);
        if (data.code === "rate_limited") return fail(t("tooFast", {when: relative(Math.max(1, +data.retry_after || 60))}));
        if (data.code !== "validation") return fail(data.detail || t("failed"), data._status >= 500);
        const errors = data.errors || {}, bad = FIELDS.filter((k) => errors[k]);
        for (const k of bad) {
          errs[k].textContent = errors[k];
          inputs[k].setAttribute("aria-invalid", "true");
        }
        // Errors on fields not shown (url...) read best in the server's words.
        fail(Object.keys(errors).length > bad.length ? data.detail : t("fix"));
        inputs[bad[0]]?.focus();
      }

      function posted(data, who) {
        const c = data.comment;
        let rec;
        store(STORE, who);
        for (const f of [mainForm, ...replyForms.values()]) if (f) f.remembered.hidden = false;
        own[c.id] = [data.edit_token, Date.now(), inputs.body.value];
        keep();
        inputs.body.value = "";
        if (parent) {
          cancel();
          rec = place(c, parent.top, data.reason);
          parent.top.total++;
          moreReplies(parent.top);
        } else {
          rec = rootNode(c, data.reason);
          list.prepend(rec.el);
          list.querySelector(".empty")?.remove();
        }
        if (!data.held) setCount(count + 1);
        rec.el.focus();
        announce(t(data.held ? "held" : "posted"));
      }

      return {el, body: inputs.body, inputs, remembered, values};
    }

    function render() {
      head = h("h2", {text: t("region"), tabindex: "-1"});
      sortBar = h("div", {class: "sort", role: "group", "aria-label": t("sort")},
        SORTS.map((key) => button("", t(key), () => sortBy(key), {"aria-pressed": String(key === s.sort)})));
      formSlot = h("div");
      list = h("div", {class: "list"}, [h("p", {class: "note", text: t("loading")})]);
      moreBtn = button("more", "", () => load(true), {hidden: true});
      live = h("div", {class: "sr", "aria-live": "polite"});
      const w = h("section", {class: "w " + s.theme, lang, "aria-label": t("region")}, [
        h("div", {class: "hd"}, [head, sortBar]), formSlot, list, moreBtn, live
      ]);
      root.replaceChildren(h("style", {text: CSS}), w);
    }

    async function start() {
      const first = page(false); // ask for the comments while the strings load
      first.catch(() => {}); // load() reports it
      try {
        // The service answers a tag it has no file for with the closest one.
        strings = await (await fetch(I18N + lang + ".json", {signal: aborter.signal})).json();
      } catch (err) {
        return dead || log(`could not load the strings for ${lang}: ${err.message}`);
      }
      if (dead) return;
      lang = strings.lang;
      fmt = {plural: new Intl.PluralRules(lang), num: new Intl.NumberFormat(lang), rel: new Intl.RelativeTimeFormat(lang, {numeric: "auto"})};
      render();
      load(false, first);
    }

    if (!s.site) {
      log("data-site is missing on the comments container");
      return null;
    }
    start();
    addEventListener("hashchange", onHash);
    return () => {
      dead = true;
      aborter.abort();
      removeEventListener("hashchange", onHash);
      root.replaceChildren();
    };
  }

  const container = (o = {}) => {
    const el = o.el || script.dataset.container || "#comments";
    return typeof el === "string" ? document.querySelector(el) : el;
  };

  /* Replaces the earlier mount: SPAs call this on navigation. */
  Comments.init = (o = {}) => {
    const el = container(o);
    if (!el) return log("no element to mount the comments into");
    current?.();
    current = mount(el, o);
  };

  // Now, or once the container appears (script in head, added later).
  const watch = new MutationObserver(() => {
    if (current || container()) {
      watch.disconnect();
      current || Comments.init();
    }
  });
  if (container()) Comments.init();
  else watch.observe(document.documentElement, {childList: true, subtree: true});
})();
