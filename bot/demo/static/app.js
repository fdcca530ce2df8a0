/* sipgate-slack demo page: plays a Slack client and sipgate's phone system. No build step. */
"use strict";

const S = {
  boot: null, user: null, channel: null, last: {}, viewKey: null, viewErrors: {},
  pendingFiles: [], modalFiles: {},
};

const EMOJI = {
  bell: "🔔", busts_in_silhouette: "👥", calendar: "📅", checkered_flag: "🏁",
  envelope_with_arrow: "📩", fax: "📠", grey_question: "❔", hourglass_flowing_sand: "⏳",
  information_source: "ℹ️", link: "🔗", mag: "🔍", mute: "🔇", page_facing_up: "📄",
  pause_button: "⏸️", repeat: "🔁", scissors: "✂️", telephone_receiver: "📞", warning: "⚠️",
  white_check_mark: "✅", x: "❌", phone: "☎️", telephone: "☎️", iphone: "📱",
  speech_balloon: "💬", email: "📧", envelope: "✉️", clock1: "🕐", hourglass: "⌛",
  no_entry: "⛔", no_entry_sign: "🚫", heavy_check_mark: "✔️", red_circle: "🔴",
  large_green_circle: "🟢", green_circle: "🟢", white_circle: "⚪", voicemail: "📼",
  arrow_right: "➡️", arrow_left: "⬅️", outbox_tray: "📤", inbox_tray: "📥", memo: "📝",
  bust_in_silhouette: "👤", wave: "👋", tada: "🎉", lock: "🔒", key: "🔑", gear: "⚙️",
  calling: "📲", loud_sound: "🔊", speaker: "🔈", studio_microphone: "🎙️", stopwatch: "⏱️",
  date: "📅", spiral_calendar_pad: "🗓️", question: "❓", exclamation: "❗", rotating_light: "🚨",
  arrows_counterclockwise: "🔄", black_square_for_stop: "⏹️", arrow_forward: "▶️",
  alarm_clock: "⏰", clock: "🕐", mailbox: "📫", incoming_envelope: "📨", speech: "💬",
  hourglass_done: "⌛", no_bell: "🔕", muted: "🔇", ok: "🆗", heavy_multiplication_x: "✖️",
  sos: "🆘", pushpin: "📌", label: "🏷️", office: "🏢", house: "🏠", mobile_phone_off: "📴",
  wastebasket: "🗑️",
};

/* ----- small helpers ----------------------------------------------------------------------- */

function kilobytes(size) {
  const kb = size / 1024;
  return kb < 10 ? `${kb.toFixed(1)} KB` : `${Math.round(kb)} KB`;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "html") node.innerHTML = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function esc(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  };
  const res = await fetch(path, init);
  return res.json();
}

function toast(text) {
  const node = document.getElementById("toast");
  node.textContent = text;
  node.classList.remove("hidden");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => node.classList.add("hidden"), 4000);
}

function person(id) {
  return (S.boot.people || []).find((p) => p.id === id);
}

function tz() {
  const p = person(S.user);
  return (p && p.tz) || "UTC";
}

function nameOf(id) {
  if (S.boot && id === S.boot.bot.id) return S.boot.bot.name;
  if (id === "USLACKBOT") return "Slackbot";
  const p = person(id);
  return p ? p.name : id;
}

function channelName(id) {
  const c = (S.boot.channels || []).find((x) => x.id === id);
  return c ? c.name : id;
}

/* ----- times, as Slack renders them in the reader's own time zone -------------------------- */

function fmt(date, options) {
  return new Intl.DateTimeFormat("en-GB", {timeZone: tz(), ...options}).format(date);
}

function dayKey(date) {
  return fmt(date, {year: "numeric", month: "2-digit", day: "2-digit"});
}

function ordinal(n) {
  const s = ["th", "st", "nd", "rd"], v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}

function slackDate(seconds, format, link) {
  const date = new Date(seconds * 1000);
  const day = Number(fmt(date, {day: "numeric"}));
  const month = fmt(date, {month: "long"}), monthShort = fmt(date, {month: "short"});
  const year = fmt(date, {year: "numeric"}), weekday = fmt(date, {weekday: "long"});
  const dateLong = `${weekday}, ${month} ${ordinal(day)}, ${year}`;
  const dateText = `${month} ${ordinal(day)}, ${year}`;
  const dateShort = `${monthShort} ${day}, ${year}`;
  const today = dayKey(new Date()), yesterday = dayKey(new Date(Date.now() - 864e5));
  const tomorrow = dayKey(new Date(Date.now() + 864e5));
  const pretty = (fallback) => {
    const key = dayKey(date);
    if (key === today) return "today";
    if (key === yesterday) return "yesterday";
    if (key === tomorrow) return "tomorrow";
    return fallback;
  };
  const ago = () => {
    const diff = Math.round((Date.now() - date.getTime()) / 1000);
    const abs = Math.abs(diff);
    const [n, unit] = abs < 60 ? [abs, "second"] : abs < 3600 ? [Math.round(abs / 60), "minute"]
      : abs < 86400 ? [Math.round(abs / 3600), "hour"] : [Math.round(abs / 86400), "day"];
    const text = `${n} ${unit}${n === 1 ? "" : "s"}`;
    return diff >= 0 ? `${text} ago` : `in ${text}`;
  };
  const tokens = {
    date_num: `${year}-${fmt(date, {month: "2-digit"})}-${fmt(date, {day: "2-digit"})}`,
    date: dateText, date_short: dateShort, date_long: dateLong,
    date_pretty: pretty(dateText), date_short_pretty: pretty(dateShort),
    date_long_pretty: pretty(dateLong),
    time: fmt(date, {hour: "2-digit", minute: "2-digit", hour12: false}),
    time_secs: fmt(date, {hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false}),
    ago: ago(),
  };
  const text = format.replace(/\{(\w+)\}/g, (m, key) => (key in tokens ? tokens[key] : m));
  return link ? `<a href="${esc(link)}" target="_blank" rel="noopener">${esc(text)}</a>`
    : `<span class="date" title="${esc(dateLong + " " + tokens.time)}">${esc(text)}</span>`;
}

/* ----- mrkdwn ------------------------------------------------------------------------------ */

function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function inline(text) {
  // text is already HTML-escaped; apply Slack's markup and emoji codes.
  return text
    .replace(/```([\s\S]+?)```/g, (m, code) => `<pre>${code}</pre>`)
    .replace(/`([^`\n]+)`/g, (m, code) => `<code>${code}</code>`)
    .replace(/(^|[\s(>])\*([^*\n]+)\*(?=$|[\s).,:;!?<])/g, "$1<b>$2</b>")
    .replace(/(^|[\s(>])_([^_\n]+)_(?=$|[\s).,:;!?<])/g, "$1<i>$2</i>")
    .replace(/(^|[\s(>])~([^~\n]+)~(?=$|[\s).,:;!?<])/g, "$1<s>$2</s>")
    .replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m)
    .replace(/^&gt; ?(.*)$/gm, "<blockquote>$1</blockquote>");
}

function controlSequence(body) {
  const [target, label] = splitOnce(body, "|");
  if (target.startsWith("@")) {
    return `<span class="mention">@${esc(label || nameOf(target.slice(1)))}</span>`;
  }
  if (target.startsWith("#")) {
    return `<span class="mention">#${esc(label || channelName(target.slice(1)))}</span>`;
  }
  if (target.startsWith("!date^")) {
    const parts = target.split("^");
    return slackDate(Number(parts[1]), parts[2] || "{date_num} {time}", parts[3]);
  }
  if (target.startsWith("!subteam^")) return `<span class="mention">@${esc(label || "group")}</span>`;
  if (target.startsWith("!")) {
    return `<span class="mention">@${esc(label || target.slice(1))}</span>`;
  }
  const href = unescapeSlack(target);
  const shown = label === undefined ? href.replace(/^(mailto|tel):/, "") : unescapeSlack(label);
  return `<a href="${esc(href)}" target="_blank" rel="noopener">${esc(shown)}</a>`;
}

function splitOnce(text, sep) {
  const at = text.indexOf(sep);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function mrkdwn(text) {
  const out = [];
  const tokens = String(text || "").split(/(<[^<>]+>)/);
  for (const token of tokens) {
    if (token.startsWith("<") && token.endsWith(">")) out.push(controlSequence(token.slice(1, -1)));
    else out.push(inline(esc(unescapeSlack(token))));
  }
  return out.join("").replace(/\n/g, "<br>");
}

function textObject(obj) {
  if (!obj) return "";
  if (obj.type === "mrkdwn") return mrkdwn(obj.text);
  return esc(obj.text || "").replace(/:([a-z0-9_+-]+):/g, (m, n) => EMOJI[n] || m)
    .replace(/\n/g, "<br>");
}

function plain(obj) {
  const span = document.createElement("span");
  span.innerHTML = textObject(obj);
  return span.textContent;
}

/* ----- Block Kit ----------------------------------------------------------------------------- */

function renderBlocks(blocks, ctx) {
  return el("div", {class: "blocks"}, (blocks || []).map((b) => renderBlock(b, ctx)));
}

function renderBlock(block, ctx) {
  const attrs = {class: `bk bk-${block.type}`, "data-block-id": block.block_id || ""};
  switch (block.type) {
    case "header":
      return el("div", attrs, el("span", {html: textObject(block.text)}));
    case "divider":
      return el("hr", attrs);
    case "context":
      return el("div", attrs, (block.elements || []).map((e) => e.type === "image"
        ? el("span", {class: "img-alt"}, "🖼")
        : el("span", {html: textObject(e)})));
    case "section":
      return renderSection(block, ctx, attrs);
    case "actions":
      return el("div", attrs, (block.elements || []).map((e) => renderElement(e, block, ctx)));
    case "input":
      return renderInput(block, ctx, attrs);
    case "image":
      return el("div", attrs, el("span", {class: "img-alt"}, `🖼 ${block.alt_text || "image"}`));
    case "rich_text":
      return el("div", attrs, richText(block));
    default:
      return el("div", attrs, el("em", {}, `(${block.type} block)`));
  }
}

function richText(block) {
  const texts = [];
  const walk = (node) => {
    if (node.type === "text") texts.push(node.text);
    else if (node.type === "user") texts.push(`@${nameOf(node.user_id)}`);
    else if (node.type === "link") texts.push(node.text || node.url);
    for (const child of node.elements || []) walk(child);
  };
  walk(block);
  return texts.join("");
}

function renderSection(block, ctx, attrs) {
  const main = el("div", {class: "section-main"});
  if (block.text) main.append(el("div", {class: "section-text", html: textObject(block.text)}));
  if (block.fields) {
    main.append(el("div", {class: "fields"},
      block.fields.map((f) => el("div", {class: "field", html: textObject(f)}))));
  }
  const node = el("div", attrs, main);
  if (block.accessory) {
    node.append(el("div", {class: "accessory"}, renderElement(block.accessory, block, ctx)));
  }
  return node;
}

function renderElement(element, block, ctx) {
  const fire = (action) => act(ctx, block, element, action);
  switch (element.type) {
    case "button": {
      const cls = `btn ${element.style ? "btn-" + element.style : ""}`;
      return el("button", {
        class: cls, type: "button", "data-action-id": element.action_id,
        onclick: () => confirmThen(element.confirm, () => fire({
          type: "button", value: element.value, text: element.text, style: element.style,
        })),
      }, plain(element.text));
    }
    case "static_select":
    case "overflow": {
      const options = element.options || (element.option_groups || []).flatMap((g) => g.options);
      const select = el("select", {class: "select", "data-action-id": element.action_id},
        el("option", {value: ""}, element.placeholder ? plain(element.placeholder) : "…"),
        options.map((o) => el("option", {value: o.value}, plain(o.text))));
      select.addEventListener("change", () => {
        const option = options.find((o) => o.value === select.value);
        if (option) confirmThen(element.confirm, () => fire({type: element.type, selected_option: option}));
      });
      return select;
    }
    case "datepicker": {
      const input = el("input", {type: "date", value: element.initial_date || "",
        "data-action-id": element.action_id});
      input.addEventListener("change", () => fire({type: "datepicker", selected_date: input.value}));
      return input;
    }
    case "image":
      return el("span", {class: "img-alt"}, "🖼");
    default:
      return el("em", {}, `(${element.type})`);
  }
}

async function act(ctx, block, element, extra) {
  const action = {action_id: element.action_id, block_id: block.block_id || "", ...extra};
  let body;
  if (ctx.kind === "modal") {
    body = {user: S.user, in_view: true, values: collectValues(), action};
  } else {
    body = {user: S.user, channel: S.channel, ts: ctx.ts, action};
  }
  const res = await api("/api/action", body);
  if (!res.ok) toast(res.error || `The bot answered HTTP ${res.status}.`);
  poll();
}

function confirmThen(confirm, go) {
  if (!confirm) { go(); return; }
  const layer = document.getElementById("confirm-layer");
  const close = () => { layer.classList.add("hidden"); layer.replaceChildren(); };
  const ok = el("button", {class: `btn ${confirm.style === "danger" ? "btn-danger" : "btn-primary"}`,
    "data-testid": "confirm-ok", onclick: () => { close(); go(); }},
  plain(confirm.confirm || {text: "Yes"}));
  const cancel = el("button", {class: "btn", "data-testid": "confirm-cancel", onclick: close},
    plain(confirm.deny || {text: "Cancel"}));
  layer.replaceChildren(el("div", {class: "dialog confirm", role: "dialog"},
    el("h3", {}, plain(confirm.title || {text: "Are you sure?"})),
    el("div", {class: "dialog-body", html: textObject(confirm.text)}),
    el("div", {class: "dialog-actions"}, cancel, ok)));
  layer.classList.remove("hidden");
  ok.focus();
}

/* ----- modals -------------------------------------------------------------------------------- */

function renderInput(block, ctx, attrs) {
  const e = block.element || {};
  const id = `in-${block.block_id}-${e.action_id}`;
  const field = inputElement(e, block, id);
  return el("div", {...attrs, "data-testid": `input-${block.block_id}`},
    el("label", {class: "input-label", for: id}, plain(block.label),
      block.optional ? el("span", {class: "optional"}, " (optional)") : null),
    field,
    block.hint ? el("div", {class: "hint"}, plain(block.hint)) : null,
    el("div", {class: "input-error", "data-error-for": block.block_id}));
}

function inputElement(e, block, id) {
  const common = {id, "data-block": block.block_id, "data-action": e.action_id, "data-type": e.type};
  const placeholder = e.placeholder ? plain(e.placeholder) : "";
  switch (e.type) {
    case "plain_text_input":
      return e.multiline
        ? el("textarea", {...common, rows: 4, placeholder, maxlength: e.max_length}, e.initial_value || "")
        : el("input", {...common, type: "text", placeholder, value: e.initial_value || "",
          maxlength: e.max_length});
    case "number_input":
    case "email_text_input":
    case "url_text_input":
      return el("input", {...common, type: e.type === "number_input" ? "number" : "text",
        value: e.initial_value || "", placeholder});
    case "static_select":
    case "radio_buttons": {
      const options = e.options || (e.option_groups || []).flatMap((g) => g.options);
      const initial = e.initial_option ? e.initial_option.value : "";
      return el("select", common, el("option", {value: ""}, placeholder || "Select an item"),
        options.map((o) => el("option", {value: o.value, selected: o.value === initial},
          plain(o.text))));
    }
    case "datepicker":
      return el("input", {...common, type: "date", value: e.initial_date || ""});
    case "timepicker":
      return el("input", {...common, type: "time", value: e.initial_time || ""});
    case "datetimepicker": {
      const initial = e.initial_date_time ? localInput(e.initial_date_time) : "";
      return el("input", {...common, type: "datetime-local", value: initial});
    }
    case "file_input":
      return fileInput(e, common);
    default:
      return el("em", {}, `(${e.type} not shown in the demo)`);
  }
}

function localInput(seconds) {
  const d = new Date(seconds * 1000);
  const part = (o) => fmt(d, o);
  return `${part({year: "numeric"})}-${part({month: "2-digit"})}-${part({day: "2-digit"})}T` +
    `${part({hour: "2-digit", minute: "2-digit", hour12: false})}`;
}

function fromLocalInput(value) {
  // datetime-local gives wall-clock time; read it in the person's own time zone.
  const guess = new Date(value + "Z").getTime() / 1000;
  const shown = new Date(localInput(guess) + "Z").getTime() / 1000;
  return Math.round(guess - (shown - guess));
}

function fileInput(e, common) {
  const key = `${common["data-block"]}/${common["data-action"]}`;
  const list = el("div", {class: "file-list"});
  const input = el("input", {...common, type: "file", accept: (e.filetypes || []).map((t) => "." + t).join(",")});
  const show = () => list.replaceChildren(...(S.modalFiles[key] || []).map((f) =>
    el("div", {class: "file-chip"}, `📄 ${f.name} (${kilobytes(f.size)})`)));
  input.addEventListener("change", async () => {
    const uploaded = [];
    for (const file of input.files) uploaded.push(await upload(file));
    S.modalFiles[key] = uploaded.filter(Boolean);
    show();
  });
  show();
  return el("div", {class: "file-input"}, input, list);
}

async function upload(file) {
  const form = new FormData();
  form.append("file", file);
  form.append("user", S.user);
  const res = await fetch("/api/upload", {method: "POST", body: form});
  const body = await res.json();
  return body.ok ? body.file : null;
}

function collectValues() {
  const values = {};
  for (const node of document.querySelectorAll("#modal-layer [data-block]")) {
    const block = node.dataset.block, action = node.dataset.action, type = node.dataset.type;
    const entry = {type};
    if (type === "plain_text_input" || type === "number_input" || type.endsWith("_text_input")) {
      entry.value = node.value === "" ? null : node.value;
    } else if (type === "static_select" || type === "radio_buttons") {
      const option = node.value ? {text: {type: "plain_text", text: node.selectedOptions[0].text},
        value: node.value} : null;
      entry.selected_option = option;
    } else if (type === "datepicker") {
      entry.selected_date = node.value || null;
    } else if (type === "timepicker") {
      entry.selected_time = node.value || null;
      entry.timezone = tz();
    } else if (type === "datetimepicker") {
      entry.selected_date_time = node.value ? fromLocalInput(node.value) : null;
    } else if (type === "file_input") {
      entry.files = S.modalFiles[`${block}/${action}`] || [];
    }
    values[block] = values[block] || {};
    values[block][action] = entry;
  }
  return values;
}

function renderModal(view) {
  const layer = document.getElementById("modal-layer");
  const key = view ? `${view.id}/${view.hash}` : null;
  if (key === S.viewKey) return;
  S.viewKey = key;
  S.modalFiles = {};
  if (!view) { layer.classList.add("hidden"); layer.replaceChildren(); return; }
  const submit = view.submit ? el("button", {class: "btn btn-primary", type: "submit",
    "data-testid": "modal-submit"}, plain(view.submit)) : null;
  const close = el("button", {class: "btn", type: "button", "data-testid": "modal-close",
    onclick: () => closeModal(view)}, plain(view.close || {text: "Cancel"}));
  const form = el("form", {class: "dialog modal", "data-testid": "modal",
    "data-callback-id": view.callback_id || ""},
  el("div", {class: "modal-head"}, el("h3", {}, plain(view.title)),
    el("button", {class: "x", type: "button", onclick: () => closeModal(view), title: "Close"}, "×")),
  el("div", {class: "modal-error", "data-testid": "modal-error"}),
  renderBlocks(view.blocks, {kind: "modal"}),
  el("div", {class: "dialog-actions"}, close, submit));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); submitModal(form); });
  layer.replaceChildren(form);
  layer.classList.remove("hidden");
}

async function submitModal(form) {
  for (const node of form.querySelectorAll(".input-error")) node.textContent = "";
  form.querySelector(".modal-error").textContent = "";
  const button = form.querySelector("[data-testid=modal-submit]");
  if (button) button.disabled = true;
  try {
    const res = await api("/api/view/submit", {user: S.user, values: collectValues()});
    if (res.errors) {
      for (const [block, message] of Object.entries(res.errors)) {
        const target = form.querySelector(`[data-error-for="${CSS.escape(block)}"]`);
        if (target) target.textContent = message;
        else form.querySelector(".modal-error").textContent += `${message} `;
      }
    } else if (!res.ok) {
      form.querySelector(".modal-error").textContent = res.error || "Something went wrong.";
    }
  } finally {
    if (button) button.disabled = false;
  }
  poll();
}

async function closeModal(view) {
  await api("/api/view/close", {user: S.user, view_id: view.id});
  poll();
}

/* ----- messages ------------------------------------------------------------------------------ */

function renderMessages(items) {
  const box = document.getElementById("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  if (!items.length) {
    box.replaceChildren(el("div", {class: "empty-conv"},
      "Nothing here yet. Type a command below, or ring a line in the phone panel."));
    return;
  }
  box.replaceChildren(...items.map(renderMessage));
  if (atBottom || S.scrollDown) box.scrollTop = box.scrollHeight;
  S.scrollDown = false;
}

function renderMessage(m) {
  const date = new Date(Number(m.ts) * 1000);
  const bot = S.boot && m.user === S.boot.bot.id;
  const name = nameOf(m.user);
  const avatar = el("div", {class: `avatar ${bot ? "avatar-bot" : ""}`},
    bot ? "sg" : (person(m.user) || {initials: name.slice(0, 2)}).initials);
  const head = el("div", {class: "msg-head"}, el("b", {}, name),
    bot ? el("span", {class: "app-badge"}, "APP") : null,
    el("span", {class: "msg-time"}, fmt(date, {hour: "2-digit", minute: "2-digit", hour12: false})),
    m.edited ? el("span", {class: "edited"}, "(edited)") : null);
  const body = m.blocks && m.blocks.length
    ? renderBlocks(m.blocks, {kind: "message", ts: m.ts})
    : el("div", {class: "msg-text", html: mrkdwn(m.text)});
  const files = (m.files || []).map((f) => el("div", {class: "file-chip"},
    `📄 ${f.name}`, el("span", {class: "muted"}, ` ${kilobytes(f.size)} PDF`)));
  const tools = m.files && m.files.length ? shortcutMenu(m) : null;
  return el("div", {class: `msg ${m.ephemeral ? "ephemeral" : ""}`, "data-ts": m.ts,
    "data-testid": m.ephemeral ? "ephemeral" : "message"},
  avatar, el("div", {class: "msg-body"}, head, body, files,
    m.ephemeral ? el("div", {class: "only-you"}, "👁 Only visible to you") : null), tools);
}

function shortcutMenu(m) {
  const shortcuts = (S.boot.shortcuts || []).filter((s) => s.type === "message");
  if (!shortcuts.length) return null;
  return el("div", {class: "msg-tools"}, shortcuts.map((s) => el("button", {
    class: "btn btn-small", type: "button", "data-testid": `shortcut-${s.callback_id}`,
    onclick: async () => {
      const res = await api("/api/shortcut", {user: S.user, channel: S.channel, ts: m.ts,
        callback_id: s.callback_id});
      if (!res.ok) toast(res.error || `The bot answered HTTP ${res.status}.`);
      poll();
    }}, `⋯ ${s.name}`)));
}

/* ----- phone panel --------------------------------------------------------------------------- */

function lineLabel(number) {
  const line = (S.boot.lines || []).find((l) => l.number === "+" + number);
  return line ? `${line.localized} (${line.alias})` : `+${number}`;
}

function renderCalls(calls) {
  const box = document.getElementById("calls");
  if (!calls.length) {
    box.replaceChildren(el("p", {class: "empty"}, "No calls yet. Ring a line above."));
    return;
  }
  box.replaceChildren(...calls.map((c) => {
    const people = el("select", {"data-testid": "answer-as"},
      c.user_ids.map((id, i) => el("option", {value: id}, c.users[i])),
      S.boot.sipgate_users.filter((u) => !c.user_ids.includes(u.id))
        .map((u) => el("option", {value: u.id}, u.name)),
      el("option", {value: ""}, "voicemail"));
    const cause = el("select", {"data-testid": "hangup-cause"},
      S.boot.causes.map((k) => el("option", {value: k}, k)));
    const answer = el("button", {class: "btn btn-primary btn-small", type: "button",
      "data-testid": "answer", onclick: () => phone("answer", {call_id: c.call_id, user_id: people.value})},
    "Answer");
    const hangup = el("button", {class: "btn btn-danger btn-small", type: "button",
      "data-testid": "hangup", onclick: () => phone("hangup", {call_id: c.call_id, cause: cause.value})},
    "Hang up");
    const state = c.state === "answered" && c.hold ? "on hold" : c.state;
    const by = c.answered_by ? ` · answered by ${c.answered_by}` : "";
    return el("div", {class: `call call-${c.state}`, "data-testid": "call", "data-call-id": c.call_id},
      el("div", {class: "call-head"}, el("b", {}, c.from_number === "anonymous" ? "anonymous" : `+${c.from_number}`),
        " → ", lineLabel(c.to_number)),
      el("div", {class: "call-state", "data-testid": "call-state"}, `● ${state}`,
        by, c.muted ? " · muted" : "",
        c.cause ? ` · ${c.cause}` : ""),
      c.state === "ringing" ? el("div", {class: "call-row"}, "as ", people, answer) : null,
      c.state !== "ended" ? el("div", {class: "call-row"}, cause, hangup) : null,
      el("div", {class: "call-events"}, c.events.join(" · ")));
  }));
}

async function phone(what, body) {
  const res = await api(`/api/phone/${what}`, body);
  if (!res.ok) toast(res.error);
  poll();
}

function renderLog(entries) {
  const box = document.getElementById("log");
  if (!entries.length) {
    box.replaceChildren(el("li", {class: "empty"}, "Nothing yet."));
    return;
  }
  box.replaceChildren(...entries.map((e) => el("li", {class: e.ok ? "" : "failed"},
    el("span", {class: "log-time"}, fmt(new Date(e.at * 1000),
      {hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false})),
    ` ${e.text} `, el("span", {class: "status"}, String(e.status)))));
}

function renderFaxes(faxes) {
  const box = document.getElementById("faxes");
  if (!faxes.length) {
    box.replaceChildren(el("p", {class: "empty"}, "No fax sent yet."));
    return;
  }
  box.replaceChildren(...faxes.map((f) => el("div", {class: "fax", "data-testid": "fax"},
    `📠 ${f.filename} → ${f.recipient} `, el("b", {class: `fax-${f.status}`}, f.status),
    el("span", {class: "muted"}, ` (${f.line}, asked ${f.polls}×)`))));
}

/* ----- layout: people, channels, composer ---------------------------------------------------- */

function renderPeople() {
  const box = document.getElementById("people");
  box.replaceChildren(...S.boot.people.map((p) => el("button", {
    type: "button", role: "tab", class: `person ${p.id === S.user ? "active" : ""}`,
    "aria-selected": p.id === S.user ? "true" : "false", "data-user": p.id,
    title: `${p.name} (@${p.handle}), ${p.tz}`,
    onclick: () => { S.user = p.id; if (S.channel.startsWith("D")) S.channel = p.dm; refresh(); },
  }, el("span", {class: "avatar small"}, p.initials), ` ${p.name.split(" ")[0]}`,
  p.admin ? el("span", {class: "tag"}, "admin") : null,
  p.linked ? null : el("span", {class: "tag tag-warn"}, "not linked"))));
}

function renderChannels(counts) {
  const me = person(S.user);
  const item = (id, label, extra) => el("li", {}, el("button", {
    type: "button", class: `chan ${id === S.channel ? "active" : ""}`, "data-channel": id,
    onclick: () => { S.channel = id; S.scrollDown = true; refresh(); },
  }, label, extra, counts && counts[id] ? el("span", {class: "count"}, counts[id]) : null));
  document.getElementById("channels").replaceChildren(...S.boot.channels.map((c) =>
    item(c.id, `# ${c.name}`, c.calls ? el("span", {class: "tag"}, "calls") : null)));
  document.getElementById("dms").replaceChildren(
    item(me.dm, el("span", {}, el("span", {class: "avatar tiny avatar-bot"}, "sg"), " sipgate"), null));
  const title = S.channel.startsWith("D") ? "sipgate (direct message)" : `# ${channelName(S.channel)}`;
  document.getElementById("conv-title").textContent = title;
}

function renderHint() {
  const input = document.getElementById("composer-input");
  const hint = document.getElementById("composer-hint");
  const typed = input.value.trim();
  if (!typed.startsWith("/")) { hint.replaceChildren(); return; }
  const name = typed.split(/\s/)[0];
  const matches = S.boot.commands.filter((c) => c.name.startsWith(name));
  hint.replaceChildren(...matches.map((c) => el("div", {class: "hint-row",
    onclick: () => { input.value = c.name + " "; input.focus(); renderHint(); }},
  el("b", {}, c.name), ` ${c.usage_hint || ""} `, el("span", {class: "muted"}, c.description),
  c.registered ? null : el("span", {class: "tag tag-warn"}, "not built yet"))));
}

async function send(ev) {
  ev.preventDefault();
  const input = document.getElementById("composer-input");
  const text = input.value.trim();
  if (!text && !S.pendingFiles.length) return;
  input.value = "";
  renderHint();
  S.scrollDown = true;
  if (text.startsWith("/")) {
    await api("/api/command", {user: S.user, channel: S.channel, text});
  } else {
    await api("/api/message", {user: S.user, channel: S.channel, text,
      files: S.pendingFiles.map((f) => f.id)});
    S.pendingFiles = [];
    document.getElementById("attached").replaceChildren();
  }
  poll();
}

async function attach() {
  const input = document.getElementById("attach");
  for (const file of input.files) {
    const info = await upload(file);
    if (info) S.pendingFiles.push(info);
  }
  input.value = "";
  document.getElementById("attached").replaceChildren(...S.pendingFiles.map((f) =>
    el("span", {class: "file-chip"}, `📄 ${f.name}`)));
}

/* ----- polling ------------------------------------------------------------------------------- */

function changed(key, value) {
  const text = JSON.stringify(value);
  if (S.last[key] === text) return false;
  S.last[key] = text;
  return true;
}

async function poll() {
  if (!S.boot) return;
  const user = S.user, channel = S.channel;
  let state;
  try {
    state = await api(`/api/state?user=${encodeURIComponent(user)}&channel=${encodeURIComponent(channel)}`);
  } catch (err) {
    document.body.classList.add("offline");
    return;
  }
  document.body.classList.remove("offline");
  if (user !== S.user || channel !== S.channel) return;
  if (changed("messages", state.messages)) renderMessages(state.messages);
  if (changed("counts", state.counts)) renderChannels(state.counts);
  renderModal(state.view);
  if (changed("calls", state.calls)) renderCalls(state.calls);
  if (changed("log", state.log)) renderLog(state.log);
  if (changed("faxes", state.faxes)) renderFaxes(state.faxes);
}

function refresh() {
  S.last = {};
  S.viewKey = undefined;
  renderPeople();
  renderChannels(null);
  poll();
}

async function start() {
  S.boot = await api("/api/bootstrap");
  S.user = S.boot.people[0].id;
  const calls = S.boot.channels.find((c) => c.calls) || S.boot.channels[0];
  S.channel = calls.id;
  document.getElementById("ring-to").replaceChildren(...S.boot.lines.map((l) => el("option",
    {value: l.number}, `${l.localized} ${l.alias}${l.rings.length ? " → " + l.rings.map((r) => r.name).join(", ") : ""}`)));
  document.getElementById("composer").addEventListener("submit", send);
  document.getElementById("composer-input").addEventListener("input", renderHint);
  document.getElementById("attach").addEventListener("change", attach);
  document.getElementById("ring").addEventListener("submit", (ev) => {
    ev.preventDefault();
    phone("ring", {from: document.getElementById("ring-from").value,
      to: document.getElementById("ring-to").value});
  });
  const missing = S.boot.commands.filter((c) => !c.registered).map((c) => c.name);
  document.getElementById("features").textContent = missing.length
    ? `Not built yet: ${missing.join(", ")}.` : "";
  refresh();
  setInterval(poll, 500);
  document.body.dataset.ready = "true";
}

start();
