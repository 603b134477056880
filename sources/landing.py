"""Landing-folder discovery: which files feed which contract object, in which order.

The rules are the contract's (sources.md, "Layout"):
- a CRM file's object is the longest object name its file name starts with, followed by
  `.csv` or by a character that is not a letter or digit;
- only `.csv` files (any case) are read; files of unknown objects are ignored and reported;
- files are read in the order of their paths relative to the landing folder, compared
  code point by code point (Python's str ordering).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sources.contract import CRM_OBJECTS, FILE_OBJECTS, LandingObject

# Longest first, so `OpportunityHistory.csv` is not taken for an Opportunity file.
_CRM_BY_LENGTH = sorted(CRM_OBJECTS, key=lambda o: len(o.name), reverse=True)


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str  # POSIX form, relative to the landing folder
    object: LandingObject
    sequence: int  # position in the contract's reading order (0-based, over all files)


@dataclass
class LandingInventory:
    root: Path
    files: list[LandingFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # relative paths, with no object

    def files_for(self, obj: LandingObject) -> list[LandingFile]:
        return [f for f in self.files if f.object == obj]


class LandingError(Exception):
    """The landing folder as a whole cannot be used (missing, or no CRM data)."""


def _is_csv(name: str) -> bool:
    return name.lower().endswith(".csv")


def crm_object_for(file_name: str) -> LandingObject | None:
    """The CRM object a file name belongs to, or None."""
    for obj in _CRM_BY_LENGTH:
        if not file_name.startswith(obj.name):
            continue
        rest = file_name[len(obj.name) :]
        if rest.lower() == ".csv" or (rest and not rest[0].isalnum()):
            return obj
    return None


def file_object_for(folder: str, file_name: str) -> LandingObject | None:
    """The marketing/finance/plan object a file belongs to (`ad_spend*.csv` ...), or None."""
    for obj in FILE_OBJECTS:
        if folder == obj.folder and file_name.startswith(obj.name):
            return obj
    return None


def discover(root: Path) -> LandingInventory:
    """Every file of the landing folder, matched to its object and put in reading order."""
    if not root.is_dir():
        raise LandingError(f"landing folder {root} does not exist or is not a folder")
    inventory = LandingInventory(root=root)
    candidates: list[tuple[str, Path, LandingObject]] = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        top = relative.split("/", 1)[0]
        obj = None
        if _is_csv(path.name):
            if top == "crm":
                obj = crm_object_for(path.name)
            else:
                obj = file_object_for(top, path.name)
        if obj is None:
            inventory.ignored.append(relative)
        else:
            candidates.append((relative, path, obj))
    candidates.sort(key=lambda c: c[0])
    inventory.files = [
        LandingFile(path=path, relative_path=rel, object=obj, sequence=i)
        for i, (rel, path, obj) in enumerate(candidates)
    ]
    inventory.ignored.sort()
    return inventory
