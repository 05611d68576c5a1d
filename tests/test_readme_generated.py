"""README.md's lists of names ("Every public name", inside the GENERATED markers of "What works") are made by
tests/tools/gen_readme.py from the registries and the public namespace; this fails when they are out of date
(run `python tests/tools/gen_readme.py`) and checks that the script leaves the hand-written prose alone."""
import importlib.util
import pathlib

TOOL = pathlib.Path(__file__).resolve().parent / "tools" / "gen_readme.py"


def _tool():
    spec = importlib.util.spec_from_file_location("gen_readme", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_generated_part_is_up_to_date():
    tool = _tool()
    text = tool.README.read_text()
    assert text.count(tool.BEGIN) == 1 and text.count(tool.END) == 1
    generated = tool.generate()
    current = text[text.index(tool.BEGIN):text.index(tool.END) + len(tool.END)] + "\n"
    assert current == generated, "README.md's generated part is out of date: run python tests/tools/gen_readme.py"
    assert tool.main(["--check"]) == 0


def test_generated_part_sits_in_what_works_and_lists_the_registries():
    tool = _tool()
    text = tool.README.read_text()
    what_works = text.index("\n## What works\n")
    begin = text.index(tool.BEGIN)
    assert what_works < begin < text.index("\n## Layout\n")
    generated = tool.generate()
    import smalltorch as st
    for name in list(st._C._unary_registry)[:5] + ["xlogy", "`smalltorch.linalg`", "Dirichlet", "scatter_reduce"]:
        assert name.replace("special_", "special.") in generated


def test_splice_keeps_the_prose_around_the_markers():
    tool = _tool()
    prose_before = "# t\n\n## What works\n\n- hand-written\n"
    prose_after = "\n## Layout\n\ntext\n"
    first = tool.splice(prose_before + prose_after, tool.BEGIN + "\nA\n" + tool.END + "\n")
    assert first.startswith(prose_before) and first.endswith(prose_after)
    second = tool.splice(first, tool.BEGIN + "\nB\n" + tool.END + "\n")
    assert second == first.replace("\nA\n", "\nB\n")
    assert tool.splice(second, tool.BEGIN + "\nB\n" + tool.END + "\n") == second
