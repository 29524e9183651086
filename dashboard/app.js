// Client-side filtering: every tile, chart and list is recomputed from the embedded rows.
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("dashboard-data").textContent);
  const DAY = 86400000;
  const COLORS = {
    green: "#2e9e5b", on_track: "#2e9e5b", achieved: "#2e9e5b", yellow: "#e8a33d", at_risk: "#e8a33d",
    partial: "#e8a33d", red: "#d64545", off_track: "#d64545", missed: "#d64545", blue: "#4573d6",
    on_hold: "#4573d6", dropped: "#8a8a8a",
  };
  const LAYOUT = {
    margin: { l: 10, r: 10, t: 30, b: 10 }, height: 320, template: "plotly_white", autosize: true,
    font: { family: "DejaVu Sans, Arial, sans-serif", size: 12 },
    legend: { orientation: "h", x: 0, y: 1.0, yanchor: "bottom" },
  };
  const CONFIG = { displayModeBar: false, responsive: true };
  const projects = new Map(DATA.projects.map((p) => [p.gid, p]));
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const toMs = (iso) => Date.parse(iso + "T00:00:00Z");
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  // Weeks start on Monday, as date_trunc('week') in the models.
  const weekOf = (isoDay) => { const ms = toMs(isoDay); return iso(ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY); };
  const addDays = (isoDay, n) => iso(toMs(isoDay) + n * DAY);
  const median = (xs) => {
    if (!xs.length) return null;
    const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };

  const allDays = DATA.tasks.flatMap((t) => [t.created_at, t.completed_at]).concat(DATA.time.map((r) => r.week_start))
    .filter(Boolean).sort();
  const DEFAULT = {
    workspace: "", team: "", project: "", tag: "", assignee: "",
    from: allDays.length ? allDays[0] : DATA.today,
    to: allDays.length && allDays[allDays.length - 1] > DATA.today ? allDays[allDays.length - 1] : DATA.today,
  };
  const KEYS = Object.keys(DEFAULT);

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const state = { ...DEFAULT };
    for (const k of KEYS) if (params.has(k)) state[k] = params.get(k);
    // A hand-edited fragment with a bad date falls back to the default rather than breaking the page.
    for (const k of ["from", "to"]) if (!/^\d{4}-\d\d-\d\d$/.test(state[k]) || isNaN(toMs(state[k]))) state[k] = DEFAULT[k];
    return state;
  }
  function writeHash(state) {
    const params = new URLSearchParams();
    for (const k of KEYS) if (state[k] !== DEFAULT[k]) params.set(k, state[k]);
    history.replaceState(null, "", "#" + params.toString());
  }

  function fillSelect(el, items, value, allLabel) {
    el.innerHTML = `<option value="">${esc(allLabel)}</option>` +
      items.map((i) => `<option value="${esc(i.gid)}">${esc(i.name)}</option>`).join("");
    el.value = items.some((i) => i.gid === value) ? value : "";
  }

  function syncControls(state) {
    fillSelect($("f-workspace"), DATA.workspaces, state.workspace, "All workspaces");
    const teamGids = new Set(DATA.projects.filter((p) => !state.workspace || p.workspace === state.workspace).map((p) => p.team));
    fillSelect($("f-team"), DATA.teams.filter((t) => teamGids.has(t.gid)), state.team, "All teams");
    fillSelect($("f-project"), DATA.projects.filter((p) => projectMatches(p.gid, state, true)), state.project, "All projects");
    fillSelect($("f-tag"), DATA.tags.filter((t) => !state.workspace || t.workspace === state.workspace), state.tag, "All tags");
    fillSelect($("f-assignee"), DATA.users, state.assignee, "Everyone");
    $("f-from").value = state.from;
    $("f-to").value = state.to;
  }

  function projectMatches(gid, state, ignoreProject) {
    const p = projects.get(gid);
    if (state.workspace && (!p || p.workspace !== state.workspace)) return false;
    if (state.team && (!p || p.team !== state.team)) return false;
    return ignoreProject || !state.project || gid === state.project;
  }
  function taskMatches(t, state) {
    if (state.workspace && t.workspace !== state.workspace) return false;
    if ((state.team || state.project) && !projectMatches(t.project, state, false)) return false;
    if (state.tag && !t.tags.includes(state.tag)) return false;
    return !state.assignee || t.assignee === state.assignee;
  }
  const inRange = (d, state) => d != null && d >= state.from && d <= state.to;

  function compute(state) {
    const tasks = DATA.tasks.filter((t) => taskMatches(t, state));
    const open = tasks.filter((t) => !t.done);
    const soon = addDays(DATA.today, 7);
    const attention = open.filter((t) => t.due_on && t.due_on <= soon)
      .sort((a, b) => (a.due_on < b.due_on ? -1 : a.due_on > b.due_on ? 1 : a.gid < b.gid ? -1 : 1));
    const time = DATA.time.filter((r) => projectMatches(r.project, state, false)
      && (!state.workspace || (projects.get(r.project) || {}).workspace === state.workspace)
      && (!state.assignee || r.user === state.assignee)
      && r.week_start >= weekOf(state.from) && r.week_start <= state.to);
    const weeks = [];
    // At most ~20 years of weeks, so an absurd range cannot hang the page.
    for (let w = weekOf(state.from); w <= state.to && weeks.length < 1040; w = addDays(w, 7)) weeks.push(w);
    const created = new Map(weeks.map((w) => [w, 0])), completed = new Map(weeks.map((w) => [w, 0]));
    const cycles = new Map(weeks.map((w) => [w, []]));
    for (const t of tasks) {
      if (inRange(t.created_at, state)) created.set(weekOf(t.created_at), created.get(weekOf(t.created_at)) + 1);
      if (t.done && inRange(t.completed_at, state)) {
        const w = weekOf(t.completed_at);
        completed.set(w, completed.get(w) + 1);
        if (t.created_at) cycles.get(w).push((toMs(t.completed_at) - toMs(t.created_at)) / DAY);
      }
    }
    const weekEnd = (w) => (addDays(w, 6) < state.to ? addDays(w, 6) : state.to);
    // asana__daily_metrics is per workspace and project: it answers unless an assignee or a tag is picked.
    const fromDaily = !state.assignee && !state.tag && DATA.daily.start != null;
    const backlog = fromDaily ? dailyBacklog(weeks.map(weekEnd), state) : weeks.map((w) => {
      const end = weekEnd(w);
      return tasks.filter((t) => t.created_at && t.created_at <= end && !(t.done && t.completed_at && t.completed_at <= end)).length;
    });
    const goals = DATA.goals.filter((g) => (!state.workspace || g.workspace === state.workspace) && (!state.team || g.team === state.team));
    return {
      kpi: {
        "open-tasks": open.length,
        "overdue-tasks": open.filter((t) => t.due_on && t.due_on < DATA.today).length,
        "due-soon-tasks": open.filter((t) => t.due_on && t.due_on >= DATA.today && t.due_on <= soon).length,
        "completed-tasks": tasks.filter((t) => t.done && inRange(t.completed_at, state)).length,
        "hours-tracked": Math.round(time.reduce((s, r) => s + r.minutes, 0) / 6) / 10,
      },
      weeks, created: weeks.map((w) => created.get(w)), completed: weeks.map((w) => completed.get(w)),
      cycle: weeks.map((w) => { const m = median(cycles.get(w)); return m == null ? null : Math.round(m * 10) / 10; }),
      backlog, backlogSource: fromDaily ? "daily_metrics" : "tasks", attention, time, goals,
    };
  }

  // Open tasks at the end of each day in `ends`, summed over the daily metrics' groups the filters keep; a day
  // before the first is 0, a day after the last (today) keeps the last count (no task is created later).
  function dailyBacklog(ends, state) {
    const start = toMs(DATA.daily.start);
    const groups = DATA.daily.groups.filter((g) => (!state.workspace || g.workspace === state.workspace)
      && (!(state.team || state.project) || projectMatches(g.project, state, false)));
    return ends.map((end) => {
      const i = Math.round((toMs(end) - start) / DAY);
      return i < 0 ? 0 : groups.reduce((sum, g) => sum + g.open[Math.min(i, g.open.length - 1)], 0);
    });
  }

  function plot(id, traces, layout, values) {
    const el = $("chart-" + id);
    el.closest("section").dataset.values = JSON.stringify(values);
    Plotly.react(el, traces, { ...LAYOUT, ...layout }, CONFIG);
  }

  function renderAttention(list) {
    const el = $("attention");
    el.closest("section").dataset.values = JSON.stringify(list.map((t) => t.gid));
    if (!list.length) { el.innerHTML = '<p class="empty">Nothing overdue or due in the next 7 days.</p>'; return; }
    const rows = list.map((t) => {
      const cls = t.due_on < DATA.today ? "overdue" : "due-soon";
      const p = projects.get(t.project);
      const name = t.url ? `<a href="${esc(t.url)}" target="_blank" rel="noopener">${esc(t.name)}</a>` : esc(t.name);
      return `<tr class="${cls}" data-task-gid="${esc(t.gid)}"><td>${name}</td><td>${esc(p ? p.name : "")}</td>` +
        `<td>${esc(t.assignee_name || "(unassigned)")}</td><td class="due">${esc(t.due_on)}</td></tr>`;
    }).join("");
    el.innerHTML = '<div class="scroll"><table class="tasks"><tr><th>Task</th><th>Project</th><th>Assignee</th>' +
      `<th>Due</th></tr>${rows}</table></div>`;
  }

  function renderPortfolios(state) {
    const filtered = state.workspace || state.team || state.project;
    const list = DATA.portfolios.filter((r) => !filtered || (projects.has(r.item) && projectMatches(r.item, state, false)));
    const el = $("portfolios");
    el.closest("section").dataset.values = JSON.stringify(list.map((r) => r.item));
    if (!list.length) { el.innerHTML = '<p class="empty">No portfolio items.</p>'; return; }
    el.innerHTML = '<table class="tasks"><tr><th>Portfolio</th><th>Item</th><th>Status</th><th>Open</th><th>Overdue</th></tr>' +
      list.map((r) => `<tr><td>${esc(r.portfolio)}</td><td>${esc(r.name)}</td><td><span class="dot" ` +
        `style="background:${COLORS[r.status] || "#b0b0b0"}"></span>${esc(r.status.replace(/_/g, " "))}</td>` +
        `<td>${r.open}</td><td>${r.overdue}</td></tr>`).join("") + "</table>";
  }

  function render(state) {
    renderPortfolios(state);
    const r = compute(state);
    for (const [k, v] of Object.entries(r.kpi)) document.querySelector(`[data-kpi="${k}"] b`).textContent = String(v);
    const dateAxis = { type: "date", range: [addDays(r.weeks[0] || state.from, -4), addDays(state.to, 4)] };
    plot("throughput", [
      { type: "bar", name: "Created", x: r.weeks, y: r.created, marker: { color: "#7aa6e8" }, xperiod: 7 * DAY, xperiodalignment: "start" },
      { type: "bar", name: "Completed", x: r.weeks, y: r.completed, marker: { color: "#2e9e5b" }, xperiod: 7 * DAY, xperiodalignment: "start" },
    ], { barmode: "group", xaxis: { ...dateAxis, title: "week starting" }, yaxis: { title: "tasks", automargin: true } },
    { weeks: r.weeks, created: r.created, completed: r.completed });
    plot("backlog", [{ type: "scatter", mode: "lines+markers", name: "Open", x: r.weeks, y: r.backlog, line: { color: "#4573d6" } }],
      { xaxis: dateAxis, yaxis: { title: "open tasks", rangemode: "tozero", automargin: true } },
      { weeks: r.weeks, open: r.backlog, source: r.backlogSource });
    plot("cycle-time", [{ type: "scatter", mode: "lines+markers", name: "Median days", x: r.weeks, y: r.cycle, connectgaps: false, line: { color: "#8a4fd6" } }],
      { xaxis: dateAxis, yaxis: { title: "days", rangemode: "tozero", automargin: true } }, { weeks: r.weeks, median_days: r.cycle });
    renderAttention(r.attention);

    const goals = r.goals;
    plot("goals", [{
      type: "bar", orientation: "h", y: goals.map((g) => g.name), x: goals.map((g) => g.progress_pct ?? 0),
      marker: { color: goals.map((g) => COLORS[g.status_label] || "#b0b0b0") }, cliponaxis: false, textposition: "outside",
      text: goals.map((g) => (g.progress_pct == null ? "" : `${g.progress_pct}% · `) + g.status_label.replace(/_/g, " ")),
    }], { height: Math.max(220, 60 + 34 * goals.length), xaxis: { title: "progress (%)", range: [0, 130] },
      yaxis: { autorange: "reversed", automargin: true }, margin: { l: 10, r: 10, t: 10, b: 10 } },
    Object.fromEntries(goals.map((g) => [g.name, g.progress_pct])));

    const names = new Map(DATA.projects.map((p) => [p.gid, p.name]));
    const byProject = new Map(), users = new Map();
    for (const row of r.time) {
      const p = names.get(row.project) || "(no project)";
      const u = row.user_name || "(unknown)";
      users.set(u, true);
      const m = byProject.get(p) || new Map();
      m.set(u, (m.get(u) || 0) + row.minutes);
      byProject.set(p, m);
    }
    const plist = [...byProject.keys()].sort();
    const totals = plist.map((p) => Math.round([...byProject.get(p).values()].reduce((a, b) => a + b, 0) / 6) / 10);
    plot("time-tracked", [...[...users.keys()].sort().map((u) => ({
      type: "bar", orientation: "h", name: u, y: plist, x: plist.map((p) => Math.round((byProject.get(p).get(u) || 0) / 6) / 10),
    })), { type: "scatter", mode: "text", x: totals, y: plist, text: totals.map((h) => `${h} h`), textposition: "middle right", showlegend: false, hoverinfo: "skip" }],
    { barmode: "stack", height: Math.max(260, 80 + 32 * plist.length), margin: { l: 10, r: 60, t: 40, b: 10 },
      xaxis: { title: "hours tracked", range: [0, Math.max(1, ...totals) * 1.2] }, yaxis: { autorange: "reversed", automargin: true } },
    Object.fromEntries(plist.map((p, i) => [p, totals[i]])));
  }

  function current() {
    const date = (el, fallback) => (/^\d{4}-\d\d-\d\d$/.test(el.value) ? el.value : fallback);
    return {
      workspace: $("f-workspace").value, team: $("f-team").value, project: $("f-project").value,
      tag: $("f-tag").value, assignee: $("f-assignee").value, from: date($("f-from"), DEFAULT.from), to: date($("f-to"), DEFAULT.to),
    };
  }
  function apply(state) { syncControls(state); const s = current(); writeHash(s); render(s); }

  $("filters").addEventListener("change", () => apply(current()));
  $("f-reset").addEventListener("click", () => apply({ ...DEFAULT }));
  window.addEventListener("hashchange", () => apply(readHash()));
  apply(readHash());
})();
