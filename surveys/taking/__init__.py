"""Taking a survey: the pages staff answer on, reached through a personal or a shared link.

The link's token is exchanged at once for a survey session (the token's hash in Django's
server-side session) and the browser moves to token-free addresses under /s/survey/, so no
access log, Referer header or browser history holds the token after the first request.
"""
