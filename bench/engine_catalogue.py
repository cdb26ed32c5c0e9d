"""Load the shipped catalogue for the engine benchmarks, or build a synthetic one of the same shape.

Reads modules/competencies.yaml and the front matter of modules/*.md with PyYAML directly, so the
benchmark does not depend on course.content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from course.engine import Catalogue, CompetencySpec, ModuleSpec, Params, Prereq

ROOT = Path(__file__).resolve().parent.parent
MIN_MODULES = 10


def front_matter(path: Path) -> dict[str, Any]:
    """Return the YAML front matter of a Markdown module."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    _, head, _ = text.split("---", 2)
    return yaml.safe_load(head) or {}


def load_competencies(root: Path = ROOT) -> tuple[tuple[CompetencySpec, ...], tuple[str, ...]]:
    """Return the competencies (with parameters) and the track order."""
    data = yaml.safe_load((root / "modules" / "competencies.yaml").read_text(encoding="utf-8"))
    comps = tuple(
        CompetencySpec(c["id"], c["name"], Params.from_json(c.get("params") or {}), c["track"])
        for c in data["competencies"]
    )
    return comps, tuple(t["id"] for t in data["tracks"])


def _prereq(entry: Any) -> Prereq:
    """Convert one front-matter prerequisite."""
    if isinstance(entry, str):
        return Prereq(module=entry)
    return Prereq(competency=entry["competency"], mastery=float(entry["mastery"]))


def _module(meta: dict[str, Any]) -> ModuleSpec:
    """Convert one module's front matter."""
    return ModuleSpec(
        id=meta["id"],
        title=meta["title"],
        track=meta["track"],
        kind=meta.get("kind", "core"),
        level=int(meta.get("level", 1)),
        competencies=tuple((c, float(w)) for c, w in (meta.get("competencies") or {}).items()),
        prerequisites=tuple(_prereq(p) for p in meta.get("prerequisites") or ()),
    )


def shipped_catalogue(root: Path = ROOT) -> Catalogue | None:
    """Return the shipped catalogue, or None when modules/ is still too thin to use."""
    comps, tracks = load_competencies(root)
    metas = [front_matter(p) for p in sorted((root / "modules").glob("*.md"))]
    modules = [_module(m) for m in metas if m.get("id")]
    known = {m.id for m in modules}
    modules = [
        m for m in modules if all(p.module is None or p.module in known for p in m.prerequisites)
    ]
    taught = {c for m in modules for c, _ in m.competencies}
    if len(modules) < MIN_MODULES or any(c.id not in taught for c in comps):
        return None
    rank = {t: i for i, t in enumerate(tracks)}
    kind_rank = {"core": 0, "refresher": 1, "case-study": 2, "capstone": 3}
    modules.sort(key=lambda m: (rank.get(m.track, 99), kind_rank[m.kind], m.level, m.id))
    return Catalogue(comps, tuple(modules), tracks).validate()


def synthetic_catalogue(root: Path = ROOT) -> Catalogue:
    """Build 28 modules over the real competencies: core 1->2->3 + refresher per track, cases."""
    comps, tracks = load_competencies(root)
    by_track: dict[str, list[str]] = {}
    for comp in comps:
        by_track.setdefault(comp.track, []).append(comp.id)
    modules: list[ModuleSpec] = []
    skill_tracks = [t for t in tracks if by_track.get(t)]
    first = f"{skill_tracks[0]}-1"
    for track in skill_tracks:
        modules.extend(_track_modules(track, by_track[track], first))
    modules.extend(_case_modules(skill_tracks, by_track))
    return Catalogue(comps, tuple(modules), tracks).validate()


def _track_modules(track: str, comps: list[str], first: str) -> list[ModuleSpec]:
    """Core 1 -> 2 -> 3 and a refresher for one track."""
    a, b = comps[0], comps[-1]
    teach = [((a, 1.0), (b, 0.3)), ((b, 1.0), (a, 0.5)), ((a, 0.7), (b, 0.7))]
    out = []
    for level, pairs in enumerate(teach, start=1):
        weights = dict(pairs) if a != b else {a: 1.0}
        prereqs: list[Prereq] = []
        if level > 1:
            prereqs.append(Prereq(module=f"{track}-{level - 1}"))
        elif f"{track}-1" != first:
            prereqs.append(Prereq(module=first))
        if level == 3:
            prereqs.append(Prereq(competency=a, mastery=0.6))
        out.append(
            ModuleSpec(
                f"{track}-{level}",
                f"{track.replace('-', ' ').title()} {level}",
                track,
                "core",
                level,
                tuple(weights.items()),
                tuple(prereqs),
            )
        )
    refresh = tuple({a: 0.6, b: 0.6}.items())
    out.append(
        ModuleSpec(f"{track}-refresher", f"{track} refresher", track, "refresher", 1, refresh)
    )
    return out


def _case_modules(tracks: list[str], by_track: dict[str, list[str]]) -> list[ModuleSpec]:
    """Three case studies mixing tracks and one capstone."""
    primary = [by_track[t][0] for t in tracks]
    secondary = [by_track[t][-1] for t in tracks]
    cases = []
    for i in range(3):
        mix = {primary[i]: 0.6, secondary[(i + 2) % len(tracks)]: 0.5, primary[-1]: 0.4}
        prereqs = (Prereq(module=f"{tracks[0]}-2"), Prereq(module=f"{tracks[i + 1]}-2"))
        cases.append(
            ModuleSpec(
                f"case-{i + 1}",
                f"Case study {i + 1}",
                "case-studies",
                "case-study",
                2,
                tuple(mix.items()),
                prereqs,
            )
        )
    capstone_mix = tuple((c, 0.5) for c in secondary[:6])
    capstone = ModuleSpec(
        "capstone",
        "Capstone",
        "case-studies",
        "capstone",
        3,
        capstone_mix,
        tuple(Prereq(module=c.id) for c in cases),
    )
    return [*cases, capstone]


def load_catalogue(root: Path = ROOT) -> tuple[Catalogue, str]:
    """Return the catalogue to benchmark on and where it came from."""
    shipped = shipped_catalogue(root)
    if shipped is not None:
        return shipped, f"shipped ({len(shipped.modules)} modules)"
    synthetic = synthetic_catalogue(root)
    return synthetic, f"synthetic ({len(synthetic.modules)} modules)"


if __name__ == "__main__":
    catalogue, origin = load_catalogue()
    print(origin)
    for module in catalogue.modules:
        print(f"  {module.id:28} {module.kind:10} {dict(module.competencies)}")
    print(f"synthetic: {len(synthetic_catalogue().modules)} modules")
