"""Time check() (parse + validate) and render() on a synthetic catalogue of 200 modules.

Usage: python bench/content_parse.py [N] [REPEATS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_catalogue import generate  # noqa: E402

from course.content import check, render  # noqa: E402
from course.content.parser import parse  # noqa: E402


def timed(action) -> tuple[float, object]:
    """Run an action once; return the seconds it took and its result."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def best_and_median(times: list[float]) -> str:
    """Format the fastest and the median of several timings."""
    return f"best {min(times):.3f} s, median {statistics.median(times):.3f} s"


def main(count: int = 200, repeats: int = 3) -> None:
    """Generate the catalogue, then time parse, check and render several times."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(root, count)
        size = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
        catalogue, problems = check(root)
        assert not problems, "\n".join(map(str, problems[:10]))
        words = sum(render(module.body).words for module in catalogue.modules)
        print(f"{count} modules + {len(catalogue.quizzes)} quizzes, {words} words in bodies,")
        print(f"{size / 1e6:.1f} MB of files; {repeats} runs each")
        parse_times = [timed(lambda: parse(root))[0] for _ in range(repeats)]
        check_times = [timed(lambda: check(root))[0] for _ in range(repeats)]
        bodies = [module.body for module in catalogue.modules]
        render_times = [timed(lambda: [render(body) for body in bodies])[0] for _ in range(repeats)]
    print(f"parse only:         {best_and_median(parse_times)}")
    print(f"parse + validate:   {best_and_median(check_times)}")
    print(f"render all bodies:  {best_and_median(render_times)}")
    print(
        f"per module: check {min(check_times) / count * 1000:.1f} ms, "
        f"render {min(render_times) / count * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main(*(int(argument) for argument in sys.argv[1:3]))
