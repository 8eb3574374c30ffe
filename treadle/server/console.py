"""The console's files: `treadle/server/static/` when a build is there.

Any GET that no API route answers and that is not under an API prefix is the
console's: a file of the build if one has that path, else `index.html`, so the
single-page app's own routes (`/workflowruns/x`) load it. Without a build, `/` shows
a short page saying so and other paths are 404.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from .auth import API_PREFIXES

STATIC_DIR = Path(__file__).parent / "static"

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Treadle</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;
line-height:1.5;color:#222}code{background:#f3f3f3;padding:0 .3em}</style></head>
<body><h1>Treadle</h1>
<p>The API is up, but the console is not built into this installation.</p>
<p>Build it (see the console's README) so that <code>treadle/server/static/index.html</code>
exists, or use the API directly: <a href="/docs">/docs</a>,
<a href="/treadle/v1/info">/treadle/v1/info</a>.</p>
</body></html>
"""


class Console:
    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        self.root = static_dir

    @property
    def built(self) -> bool:
        return (self.root / "index.html").is_file()

    def file_for(self, path: str) -> Path | None:
        """The build's file at URL path `path`, if it is one and inside the build."""
        parts = [p for p in path.split("/") if p]
        if not parts or any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts):
            return None
        candidate = self.root.joinpath(*parts)
        try:
            resolved = candidate.resolve()
            root = self.root.resolve()
        except OSError:
            return None
        if root not in resolved.parents or not resolved.is_file():
            return None
        return resolved

    async def not_found(self, request: Request) -> Response | None:
        """The answer for a path no route matched, or None to report a 404."""
        path = request.url.path
        if request.method not in ("GET", "HEAD") or path.startswith(API_PREFIXES):
            return None
        if path in ("/api", "/apis"):
            return None
        if not self.built:
            return HTMLResponse(NOT_BUILT) if path == "/" else None
        found = self.file_for(path)
        if found is not None:
            return FileResponse(found)
        return FileResponse(self.root / "index.html", headers={"Cache-Control": "no-cache"})


__all__ = ["STATIC_DIR", "Console"]
