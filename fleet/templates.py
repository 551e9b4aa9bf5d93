"""One local clone of each template per run, shared by every repository.

Each repository's verdict, migration plan, `cruft update` and changelog read the
template's tags and files. Cloning it for each of them (from GitHub, for each of 200
repositories) was most of an update's time; one bare clone per template URL, made by the
first repository that needs it, serves them all.
"""

import json
import threading
from pathlib import Path

from fleet.migrate import checker
from fleet.sources import run


class Templates:
    """Bare clones under `folder`, by the URL git clones (an abbreviation expanded)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.clones: dict[str, Path | None] = {}

    def clone(self, url: str) -> Path | None:
        """The clone, or None when the template cannot be cloned (the checker then
        says why, in the repository's row)."""
        with self.lock:
            if url not in self.clones:
                into = self.folder / f"template-{len(self.clones)}.git"
                cloned = run(["git", "clone", "--quiet", "--bare", url, str(into)])
                self.clones[url] = into if cloned.returncode == 0 else None
            return self.clones[url]

    def of(self, checkout: Path) -> Path | None:
        """The clone of the template the repository's record names, if it has one."""
        try:
            record = json.loads((checkout / ".cruft.json").read_text(encoding="utf-8"))
            named = str(record["template"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return self.clone(str(checker().clone_url(named)))
