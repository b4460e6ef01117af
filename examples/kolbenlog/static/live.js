// The live page: listen to the server's feed of new posts (Server-Sent
// Events) and put each one at the top. Text goes in with textContent, never
// innerHTML, so a post's title or body can never become markup here.
"use strict";
(function () {
  const list = document.getElementById("live-posts");
  const status = document.getElementById("live-status");
  const feed = new EventSource(list.dataset.feed);

  function show(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The server ends each feed after a while and the browser reconnects at
  // once (resuming after the last post it got): only a reconnection that
  // takes longer than a moment is worth showing.
  let slow = null;
  feed.addEventListener("ready", () => {
    clearTimeout(slow);
    show("live", "live");
  });
  feed.onerror = () => {
    clearTimeout(slow);
    slow = setTimeout(() => show("connecting", "reconnecting…"), 3000);
  };

  feed.addEventListener("post", (event) => {
    const post = JSON.parse(event.data);
    if (document.getElementById("post-" + post.id)) return;
    const article = element("article", "post new");
    article.id = "post-" + post.id;
    const header = article.appendChild(element("header"));
    const link = header.appendChild(element("h2")).appendChild(element("a", "", post.title));
    link.href = post.url;
    const time = element("time", "", post.created.slice(0, 16).replace("T", " ") + " UTC");
    time.dateTime = post.created;
    const about = header.appendChild(element("div", "about", "by " + post.author + " · "));
    about.appendChild(time);
    if (post.image) {
      const img = article.appendChild(element("img", "thumb"));
      img.src = post.image;
      img.alt = "";
    }
    const body = post.body.length > 300 ? post.body.slice(0, 297) + "..." : post.body;
    article.appendChild(element("p", "body", body));
    document.getElementById("live-empty")?.remove();
    list.prepend(article);
  });
})();
