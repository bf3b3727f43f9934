// Keeps the page live without a reload: today's spend in the header and, on the jobs page, the
// list of jobs, polled from /dashboard/api/live. Text goes in with textContent, never as HTML.
"use strict";
(() => {
  const base = "/dashboard";
  const intervalMs = 2000;
  const csrf = document.querySelector('meta[name="csrf"]')?.content ?? "";
  const today = document.getElementById("today-spend");
  const jobsBody = document.getElementById("jobs-body");

  function cell(row, text, className) {
    const td = row.insertCell();
    if (className) td.className = className;
    td.textContent = text;
    return td;
  }

  function cancelForm(jobId) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = `${base}/jobs/${encodeURIComponent(jobId)}/cancel`;
    const token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf";
    token.value = csrf;
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Cancel";
    form.append(token, button);
    return form;
  }

  function renderJobs(jobs) {
    const rows = jobs.map((job) => {
      const row = document.createElement("tr");
      const id = document.createElement("code");
      id.textContent = job.job_id;
      row.insertCell().append(id);
      cell(row, job.model);
      const status = document.createElement("span");
      status.className = `status ${job.status}`;
      status.textContent = job.status;
      row.insertCell().append(status);
      cell(row, job.error || job.note || "");
      cell(row, `${job.elapsed_seconds.toFixed(1)} s`, "num");
      cell(row, job.characters.toLocaleString("en-US"), "num");
      const action = row.insertCell();
      if (job.running) action.append(cancelForm(job.job_id));
      return row;
    });
    jobsBody.replaceChildren(...rows);
    document.getElementById("no-jobs")?.toggleAttribute("hidden", jobs.length > 0);
  }

  async function refresh() {
    try {
      const response = await fetch(`${base}/api/live`, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return;
      const live = await response.json();
      if (today) today.textContent = live.today;
      if (jobsBody) renderJobs(live.jobs);
    } catch {
      // The server went away or is restarting: the next tick tries again.
    }
  }

  setInterval(refresh, intervalMs);
})();
