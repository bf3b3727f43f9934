"""What calls cost: the ledger's recorder, usage reports, cost estimates and budgets.

* `recorder.UsageRecorder` — the client's metering hook: one ledger row per chat request,
  costs settled later from `/generation` when a reply carried none, the session's running total.
* `context.tool_scope` — which tool a request is made for (set once by the MCP layer).

Nothing here knows MCP; the ledger itself is a `storage.UsageLedger`.
"""
