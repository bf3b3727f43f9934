"""The local dashboard: spend, budgets, the account, jobs, benchmark reports and the model
catalogue as web pages (`openrouter-mcp dashboard`, or `/dashboard` in `serve --http`).

`data` reads the app, `charts` draws, `pages` and `listings` render HTML, `views` answers each
address, `web` decides who may ask. Nothing here knows MCP.
"""
