/* comments: fill [data-comments-thread="KEY"] elements with their comment counts.
 * <script src="https://comments.example.com/static/count.js" data-site="S" async></script>
 * Text: data-one="{n} comment" data-other="{n} comments" (and data-few, data-many...). */
(() => {
  const script = document.currentScript, d = script.dataset;
  const api = new URL("../api/v1/counts?site=" + encodeURIComponent(d.site), script.src);
  const lang = document.documentElement.lang || "en";

  const count = () => {
    const els = [...document.querySelectorAll("[data-comments-thread]")];
    const keys = [...new Set(els.map((el) => el.dataset.commentsThread))];
    for (let i = 0; i < keys.length; i += 100) {
      fetch(api + keys.slice(i, i + 100).map((k) => "&thread=" + encodeURIComponent(k)).join(""))
        .then((r) => r.json())
        .then(({counts}) => {
          for (const el of els) {
            const n = counts[el.dataset.commentsThread];
            if (n == null) continue;
            const text = d[new Intl.PluralRules(lang).select(n)] || d.other || (n === 1 ? "{n} comment" : "{n} comments");
            el.textContent = text.replace("{n}", n.toLocaleString(lang));
            el.dataset.commentsCount = n;
          }
        })
        .catch((e) => console.warn("[comments] counts:", e));
    }
  };

  (window.Comments ||= {}).count = count;
  if (document.readyState === "loading") addEventListener("DOMContentLoaded", count);
  else count();
})();
