"""Reports for people: the self-contained HTML file (every figure and table present, nothing
fetched from the network), the Markdown + PNG report, and figures drawn to scale."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import netopt
from netopt.cli import app
from netopt.results import NETWORK_TABLES, TABLES
from netopt.testing import solve_exact

from test_results import small

EXAMPLE = Path(__file__).parent / "data" / "issue-example.yaml"
runner = CliRunner()


class Page(HTMLParser):
    """Collects ids, figures (with their inline <svg>), tables and every URL-bearing attribute."""

    def __init__(self):
        super().__init__()
        self.ids, self.figures, self.tables, self.urls = [], {}, {}, []
        self.stack, self.tags = [], []
        self._figure = self._table = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        for key in ("src", "href", "xlink:href", "data"):
            if key in a and not a[key].startswith("#"):
                self.urls.append((tag, key, a[key]))
        if tag == "figure":
            self._figure = a["id"]
            self.figures[a["id"]] = {"svg": 0, "text": []}
        elif tag == "svg" and self._figure:
            self.figures[self._figure]["svg"] += 1
        elif tag == "table":
            self._table = a.get("id")
            self.tables[self._table] = {"header": [], "rows": 0}
        elif tag == "th" and self._table:
            self.stack.append("th")
        elif tag == "tr" and self._table:
            self.tables[self._table]["rows"] += 1

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure = None
        elif tag == "table":
            self._table = None
        elif tag == "th" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self._table:
            self.tables[self._table]["header"].append(data)
        if self._figure and data.strip():
            self.figures[self._figure]["text"].append(data.strip())


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


@pytest.fixture(scope="module")
def example():
    return solve_exact(netopt.load(EXAMPLE))


@pytest.fixture(scope="module")
def example_html(example, tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    example.write(d / "sol")
    r = runner.invoke(app, ["report", str(d / "sol" / "solution.json"), "-o", str(d / "r.html")])
    assert r.exit_code == 0, r.output
    return (d / "r.html").read_text(encoding="utf-8")


def test_html_has_every_figure_and_table(example, example_html):
    page = parse(example_html)
    stages = example.stage_names
    expected = [f"fig-network-{s}" for s in stages] + ["fig-timeline", "fig-costs",
                                                       "fig-sources"]
    assert list(page.figures) == expected
    assert all(f["svg"] == 1 for f in page.figures.values())
    for section in ("summary", "network", "timeline", "costs", "sources", "tables"):
        assert section in page.ids
    for name in TABLES + NETWORK_TABLES:
        assert f"table-{name}" in page.tables, name
    assert page.tables["table-flows"]["header"] == [
        "route", "from", "to", "commodity", "stage", "year", "rate_t_per_yr",
        "arrivals_t_per_yr"]
    assert page.tables["table-flows"]["rows"] == len(example.flows) + 1  # + header row
    assert page.tables["table-costs"]["rows"] == len(example.costs) + 1
    # summary: the build-out and the cost split
    assert page.tables["summary-builds"]["header"][:4] == ["element", "kind", "where", "body"]
    assert "eml1-depot" in example_html and "1 (+1)" in example_html
    assert page.tables["summary-costs"]["header"][-2:] == ["total", "share"]


def test_html_is_self_contained(example_html):
    page = parse(example_html)
    assert page.urls == []  # no src/href to fetch: no scripts, stylesheets, images, fonts
    assert "link" not in page.tags and "img" not in page.tags and "iframe" not in page.tags
    # the one script is inline (no src: page.urls) and asks the network for nothing
    assert page.tags.count("script") == 2  # the player's JSON data and the script
    scripts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", example_html, re.S))
    assert not re.search(r"fetch\(|XMLHttpRequest|import\(|https?:", scripts)
    assert "<style>" in example_html
    assert not re.search(r"url\((?!#)", example_html)  # no CSS url() but in-document refs
    ids = [i for i in page.ids]
    assert len(ids) == len(set(ids)), "duplicate ids between inline SVGs"


def test_network_figure_text_shows_numbers(example, example_html):
    page = parse(example_html)
    text = " ".join(page.figures["fig-network-s2040"]["text"])
    # s2040: 844.8 t/yr launched earth -> leo, 340 t/yr leo -> eml1, depot at eml1 (1 unit)
    assert "845 t/yr" in text and "340 t/yr" in text
    assert "earth" in text and "eml1" in text and "Earth–Moon L1" in text
    assert "needs 340 t/yr" in text  # demand at eml1: 300 lox + 40 lh2
    assert "depot" in text and "lox" in text and "lh2" in text  # legend
    costs = " ".join(page.figures["fig-costs"]["text"])
    assert "capex" in costs and "transport" in costs and "12,336" in costs  # s2040 total


def test_flows_and_facilities_are_drawn_to_scale():
    from netopt.report.figures import _scale, network_figure

    # demand 4 then 8 t/yr -> payload 5 then 10 t/yr on ab; the mine: 1 unit, then 2 (10, 20 t/yr)
    sol = solve_exact(small(demand={"s1": 4, "s2": 8}, mine_opex=1))
    assert sol.flow("ab", "x", "s2") == pytest.approx(10)
    assert sol.online_units("m") == {"s1": 1, "s2": 2}
    scale = _scale(sol)
    width, area = {}, {}
    for s in ("s1", "s2"):
        ax = network_figure(sol, s, scale=scale).axes[0]
        arrows = [p for p in ax.patches if p.get_label().startswith("flow:")]
        assert [p.get_label() for p in arrows] == ["flow:a:b:x"]
        width[s] = arrows[0].get_arrowstyle().tail_width
        markers = [c for c in ax.collections if c.get_label().startswith("facility:")]
        assert [c.get_label() for c in markers] == ["facility:a:mine"]
        area[s] = markers[0].get_sizes()[0]
    assert width["s2"] == pytest.approx(2 * width["s1"])  # payload 10 vs 5 t/yr
    assert width["s2"] == pytest.approx(scale.lw_max)
    assert area["s2"] == pytest.approx(2 * area["s1"])  # capacity 20 vs 10 t/yr
    assert area["s2"] == pytest.approx(scale.area_max)


def test_markdown_report_with_png_figures(example, tmp_path):
    example.write(tmp_path / "sol")
    r = runner.invoke(app, ["report", str(tmp_path / "sol" / "solution.json"), "--format", "md",
                            "-o", str(tmp_path / "out" / "report.md")])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "out" / "report.md").read_text()
    pngs = sorted((tmp_path / "out" / "report_files").glob("*.png"))
    assert [p.stem for p in pngs] == sorted(
        [f"network-{s}" for s in example.stage_names] + ["timeline", "costs", "sources"])
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"](report_files/{p.name})" in md
    assert ("| route | from | to | commodity | stage | year | rate_t_per_yr | "
            "arrivals_t_per_yr |") in md
    assert "## Build timeline" in md and "## Cost breakdown" in md


def test_report_of_solution_without_builds_or_flows(tmp_path):
    from netopt.report import render_html
    from netopt.testing import instance

    sol = solve_exact(instance(supplies=[{"node": "b", "commodity": "x", "price_per_t": 1}],
                               demands=[{"node": "b", "commodity": "x", "amount": 1}]))
    page = parse(render_html(sol))
    assert list(page.figures) == ["fig-network-s1", "fig-timeline", "fig-costs", "fig-sources"]
    assert "Nothing is built." in " ".join(page.figures["fig-timeline"]["text"])


def test_report_usage_errors(example, tmp_path):
    example.write(tmp_path)
    r = runner.invoke(app, ["report", str(tmp_path / "solution.json"), "--format", "pdf"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["report", str(tmp_path / "nope.json")])
    assert r.exit_code == 1  # a missing file is bad input, as for every command


# --- legible network labels --------------------------------------------------------------------
# a real busy plan: instances/roadmap-2100.yaml solved to 1 % (netopt solve ... --gap 0.01 -o DIR;
# regenerate when the solution format changes)
ROADMAP = Path(__file__).parent / "data" / "roadmap-2100-solution.json"
PAGE_PX = 1400 - 2 * 32  # the report's body: max-width 1400 px, padding 2em each side


def _texts(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]
    return [(t, t.get_window_extent(renderer)) for t in texts]


@pytest.mark.parametrize("stage", ["s2050", "s2080", "s2090"])
def test_network_labels_are_legible_and_never_overlap(stage):
    """At 100 % zoom, with the figure scaled to the page as a browser does, every label is at
    least 11 px tall (was 6.5-9 px), and no two labels overlap (s2080 had a dozen clashes)."""
    from netopt.report import network_figure

    sol = netopt.Solution.read(ROADMAP)
    fig = network_figure(sol, stage)
    width_px = fig.get_size_inches()[0] * 96  # SVG: inches at 96 px
    shrink = min(1.0, PAGE_PX / width_px)
    texts = _texts(fig)
    assert len(texts) > 40
    smallest = min(t.get_fontsize() for t, _ in texts) * 96 / 72 * shrink
    assert smallest >= 11
    clashes = [(a.get_text(), b.get_text()) for i, (a, ea) in enumerate(texts)
               for b, eb in texts[i + 1:] if ea.overlaps(eb)]
    assert clashes == []
    # every node of the stage that has something to say is named
    names = {t.get_text() for t, _ in texts}
    assert {"moon", "eml1", "leo", "ceres", "vesta"} <= names


def test_report_states_the_assumptions_and_where_it_comes_from(tmp_path):
    """Scenario, overrides, discount rate, prices by stage, element costs and provenance are in
    the report, from solution.json alone."""
    from netopt.plan import Plan

    base = tmp_path / "base.yaml"
    base.write_text(
        "name: base\nhorizon: {start_year: 2030, discount_rate: 0.05, stages: [{name: s1, years: 1},"
        " {name: s2, years: 1}]}\ncommodities: [{name: x}]\nnodes: [{name: a}, {name: b}]\n"
        "facilities: [{name: mine, node: b, capacity: 10, capex: 100, opex: 2, produces: {x: 1}}]\n"
        "routes: [{name: ab, from: a, to: b, cost_per_t: {s1: 0.5, s2: 0.4}}]\n"
        "supplies: [{node: a, commodity: x, price_per_t: 1.0}]\n"
        "demands: [{node: b, commodity: x, amount: 4},\n"
        "  {name: sale, node: b, commodity: x, kind: market, amount: {s2: 3}, price_per_t: 2.5}]\n")
    dear = tmp_path / "dear.yaml"
    dear.write_text("base: base.yaml\nset:\n  supplies[a/x].price_per_t: 3.0\n")
    sol = Plan.read(base, [dear], ["horizon.discount_rate=0.07"]).solve(
        netopt.SolveOptions(gap=0.0))
    sol.write(tmp_path / "out")
    r = runner.invoke(app, ["report", str(tmp_path / "out" / "solution.json"), "-o",
                            str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "r.html").read_text()
    assert {"assumptions", "provenance"} <= set(parse(text).ids)
    tables = {t: _cells(text, t) for t in ("assumption-facts", "table-prices",
                                            "table-element-costs", "provenance-facts")}
    assert tables["assumption-facts"] == [
        ["Instance (scenario)", "dear"], ["Scenario files", str(dear)],
        ["Overrides (--set)", "horizon.discount_rate=0.07"],
        ["Discount rate", "0.07 per year, costs discounted to 2030"],
        ["Objective", "least discounted cost"]]
    assert tables["table-prices"] == [
        ["kind", "name", "what, where", "s1", "s2"],
        ["supply", "a/x", "x at a", "3", "3"],
        ["transport", "ab", "a → b", "0.5", "0.4"],
        ["market", "sale", "x at b", "-", "2.5"]]
    assert tables["table-element-costs"][1] == ["mine", "other", "b", "100", "2", "0"]
    facts = dict(tables["provenance-facts"])
    assert facts["Overrides (--set)"] == "horizon.discount_rate=0.07"
    import hashlib
    assert f"{base} (sha256 {hashlib.sha256(base.read_bytes()).hexdigest()})" in [
        v for k, v in tables["provenance-facts"] if k == "Input file"]


def _cells(text: str, tid: str) -> list[list[str]]:
    """The cells of the table with id `tid`, row by row."""
    import html as h

    body = re.search(rf'<table[^>]*id="{tid}"[^>]*>(.*?)</table>', text, re.S).group(1)
    return [[h.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_html_and_markdown_render_one_document(example, tmp_path):
    """Both formats draw the same document (report/document.py): the same sections, in order,
    with the same headings, tables and captions."""
    import re

    from netopt.report import render_html, write_markdown
    from netopt.report.document import document
    from netopt.report.figures import figures

    doc = document(example, list(figures(example)))
    html_text = render_html(example)
    md = write_markdown(example, tmp_path / "r.md")[0].read_text()
    assert re.findall(r'<section id="([^"]+)"><h2>', html_text) == [s.id for s in doc.sections]
    assert re.findall(r"^## (.+)$", md, re.M) == [s.title for s in doc.sections]
    assert "`netopt export`" in md and "<code>netopt export</code>" in html_text
    for s in doc.sections:
        for b in s.blocks:
            if hasattr(b, "caption"):
                assert b.caption in md


# --- what the tables show: years as years, averages labelled ----------------------------------
def yearly_mine():
    """A 1,000 t/yr mine with a year of commissioning, one 5-year stage of yearly steps; b needs
    500 t/yr. 2030: the mine is commissioning, b buys 500 t at 100/t (50,000); 2031-2034: the mine
    ships 500 t/yr over ab at 1.2345678/t (617.2839 a year). Objective 100 + 50,000 + 4 x
    617.2839 = 52,569.1356. The stage view averages: ab carries 4/5 x 500 = 400 t/yr, and the
    mine's operating capacity is 4/5 x 1,000 = 800 of its 1,000 t/yr nameplate."""
    from netopt.testing import instance

    return instance(
        horizon={"start_year": 2030, "discount_rate": 0.0, "resolution": "year",
                 "stages": [{"name": "s1", "years": 5}]},
        facilities=[{"name": "m", "kind": "mine", "node": "a", "capacity": 1000, "capex": 100,
                     "commissioning_years": 1, "produces": {"x": 1.0}}],
        routes=[{"name": "ab", "from": "a", "to": "b", "cost_per_t": 1.2345678}],
        supplies=[{"node": "b", "commodity": "x", "price_per_t": 100}],
        demands=[{"node": "b", "commodity": "x", "amount": 500}])


def _same_cell(shown: str, written: str) -> bool:
    """A report cell shows the CSV's value: text as is, numbers to 6 significant digits."""
    if shown == written:
        return True
    try:
        a, b = float(shown.replace(",", "")), float(written)
    except ValueError:
        return False
    return a == pytest.approx(b, rel=5e-6, abs=1e-9)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_report_tables_are_the_csv_tables(tmp_path, fmt):
    """Each table of the report's Tables section is the CSV `netopt export` writes: same header,
    same rows (one per step: 4 flows rows, 2031-2034, not one stage average of 400 labelled
    2030), same values."""
    import csv

    sol = solve_exact(yearly_mine())
    assert sol.objective == pytest.approx(100 + 50_000 + 4 * 500 * 1.2345678)
    sol.write(tmp_path / "out")
    out = tmp_path / ("r.html" if fmt == "html" else "r.md")
    r = runner.invoke(app, ["report", str(tmp_path / "out" / "solution.json"), "--format", fmt,
                            "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    checked = 0
    for name in TABLES + NETWORK_TABLES:
        with open(tmp_path / "out" / f"{name}.csv", newline="") as f:
            written = list(csv.reader(f))
        shown = _cells(text, f"table-{name}") if fmt == "html" else _md_cells(text, name)
        assert shown[0] == written[0], name
        assert len(shown) == len(written), name
        for got, want in zip(shown[1:], written[1:]):
            assert all(_same_cell(g, w) for g, w in zip(got, want)), (name, got, want)
            checked += 1
    flows = _cells(text, "table-flows") if fmt == "html" else _md_cells(text, "flows")
    assert [row[5:7] for row in flows[1:]] == [[str(y), "500"] for y in range(2031, 2035)]
    assert checked > 30


def _md_cells(text: str, name: str) -> list[list[str]]:
    """The cells of the Markdown table under the heading of tidy table `name`."""
    from netopt.report.document import TABLE_TITLES

    part = text.split(f"### {TABLE_TITLES[name]}\n\n", 1)[1]
    lines: list[str] = []
    for line in part.splitlines():
        if line.startswith("#"):
            break
        if not line.startswith("|"):
            if lines:
                break
            continue
        lines.append(line)
    return [[c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")]
            for i, line in enumerate(lines) if i != 1]


def test_stage_view_says_it_averages_and_what_capacity_is(tmp_path):
    """The summary's stage view labels its averages, and the mine's 800 t/yr is shown as the
    operating capacity of a 1,000 t/yr nameplate (yearly_mine's derivation)."""
    from netopt.report import render_html

    text = render_html(solve_exact(yearly_mine()))
    assert "Stage view of yearly steps: a rate is the mean t/yr over the stage&#x27;s years" in text
    assert _cells(text, "summary-capacity") == [["facility", "per unit", "s1"],
                                                ["m", "1,000", "800 of 1,000 (80%)"]]
    caption = " ".join(parse(text).figures["fig-network-s1"]["text"])
    assert "Largest flows (t/yr on average over the stage): a → b 400 t/yr." in (
        re.sub(r"<[^>]+>", "", text))
    assert "400 t/yr" in caption  # the network figure draws the stage mean


def test_per_step_series_hold_the_years():
    """'Over time' charts are per step: ab's payload 0 in 2030 and 500 t/yr in 2031-2034; the
    cumulative cost 50,100 at the end of 2030, then + 617.2839 a year (yearly_mine)."""
    from netopt.report.series import time_series

    series = {s.id: s for s in time_series(solve_exact(yearly_mine()))}
    flows = dict(series["series-flows"].lines)
    assert series["series-flows"].steps.years == [2030, 2031, 2032, 2033, 2034]
    assert flows["ab (a → b)"] == [0, 500, 500, 500, 500]
    total = dict(series["series-cost"].lines)["total"]
    assert total == pytest.approx([50_100 + k * 617.2839 for k in range(5)])


def test_numbers_are_never_in_scientific_notation():
    from netopt.report.document import _num, exact, fmt

    assert fmt(2_345_678.9) == "2,345,679"  # the integer part is never rounded away
    assert fmt(17_089.128) == "17,089.1" and fmt(0.000012345) == "0.0000123450".rstrip("0")
    assert exact(669.5860364292591) == "669.586" and exact(1e15) == "1,000,000,000,000,000"
    assert _num(1.5e6) == "1,500,000" and _num(1.234e-5) == "0.00001234"


def test_stochastic_report_labels_expectations_and_shows_the_leaves(tmp_path):
    """tests/data/stochastic/two-leaf.yaml (solved by hand there): the hedged plan builds large
    (80) in s1; leaf high buys 5 t at 10/t in s2 (130), leaf low nothing (80); p = 1/2 each:
    expected s2 cost 25, objective 105. Costs scaled by 1e5 (capex 8e6, price 1e6/t) to check
    that money is written out (10,500,000), not as 1.05e+07."""
    import yaml

    from netopt.report import render_html
    from netopt.stochastic.plan import StochasticPlan

    data = yaml.safe_load((Path(__file__).parent / "data" / "stochastic" / "two-leaf.yaml")
                          .read_text())
    for f in data["facilities"]:
        f["capex"] *= 100_000
    data["supplies"][0]["price_per_t"] *= 100_000
    path = tmp_path / "tree.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    sol = StochasticPlan.read(path).solve(netopt.SolveOptions(gap=0.0))
    assert sol.objective == pytest.approx(10_500_000)
    text = render_html(sol)
    facts = dict(_cells(text, "summary-facts"))
    plain = re.sub(r"<[^>]+>", " ", text)
    assert facts["Objective"] == "10,500,000 MUSD (expected: probability-weighted over the leaves)"
    assert facts["Expected discounted cost"] == "10,500,000 MUSD"
    assert facts["Expected cost (SP)"] == (
        "10,500,000 MUSD, leaves 8,000,000 to 13,000,000 (sd 2,500,000)")
    assert not re.search(r"\d\.?\d*e\+\d", plain), re.search(r".{40}\d\.?\d*e\+\d.{20}", plain)
    assert _cells(text, "summary-leaves") == [
        ["leaf", "probability", "s1", "s2", "objective", "builds"],
        ["high", "0.5", "8,000,000", "5,000,000", "13,000,000", "large x1 s1"],
        ["low", "0.5", "8,000,000", "", "8,000,000", "large x1 s1"],
        ["expected (probability-weighted)", "1", "8,000,000", "2,500,000", "10,500,000", ""]]
    assert "probability-weighted expectations over the 2 leaves" in plain
    from netopt.report.series import time_series

    leaves = dict(next(s for s in time_series(sol) if s.id == "series-leaves").lines)
    assert leaves == {"high (p=0.5)": [8e6, 13e6], "low (p=0.5)": [8e6, 8e6],
                      "expected (probability-weighted)": [8e6, 10.5e6]}


# --- the interactive report in a real browser ----------------------------------------------------
def _browser() -> str | None:
    import shutil

    return next((b for b in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(b)), None)


def _dump_dom(browser: str, page: Path, fragment: str, profile: Path) -> tuple[str, list[str]]:
    """The page's DOM after its script ran, and the console lines the browser logged."""
    import subprocess

    res = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", "--dump-dom", f"{page.as_uri()}#{fragment}"],
        capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout, [line for line in res.stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.skipif(_browser() is None, reason="no headless browser (chromium) installed")
def test_interactive_report_runs_in_a_browser_without_errors(tmp_path):
    """The report opened offline in headless Chromium: its script runs (marks the page ready),
    logs nothing to the console, and the time slider shows each year's flow on the network and
    moves the charts' cursor (yearly_mine: a -> b carries 0 in 2030, 500 t/yr from 2031)."""
    import html as h

    from netopt.report import write_html

    page = tmp_path / "r.html"
    write_html(solve_exact(yearly_mine()), page)
    browser = _browser()
    assert browser is not None
    for step, year, rate in ((0, 2030, 0.0), (3, 2033, 500.0)):
        dom, console = _dump_dom(browser, page, f"step={step}", tmp_path / f"profile{step}")
        assert console == []
        assert re.search(r'<html[^>]*data-netopt-ready="1"', dom)
        assert not re.search(r"<html[^>]*data-netopt-error", dom)
        assert f'<span class="step">{year} (stage s1)</span>' in dom
        edge = re.search(r'<line class="edge"[^>]*>', dom, re.S).group(0)
        assert float(re.search(r'data-rate="([^"]+)"', edge).group(1)) == rate
        tip = h.unescape(re.search(r'data-tip="([^"]*)"', edge, re.S).group(1))
        assert tip == (f"a → b in {year}\n" + ("total 500 t/yr\nx: 500 t/yr" if rate
                                               else "nothing flown"))
        # every chart's cursor sits on the step's band
        for chart in re.findall(r'<div class="chart".*?</svg>', dom, re.S):
            band = re.search(rf'<rect class="band" data-i="{step}" x="([^"]+)"', chart).group(1)
            assert re.search(r'<rect class="cursor" x="([^"]+)"', chart).group(1) == band


def test_steps_in_days_are_labelled_by_name_and_date():
    """Steps of 3 days (tests/test_steps.py's transit case: a 1-year stage m1 with two 3-day
    steps, then the rest): the charts and the slider name each step and its date, not a
    fractional year ('2030.0082')."""
    from netopt.report import render_html
    from netopt.report.series import network_frames, steps_of
    from netopt.testing import instance

    sol = solve_exact(instance(
        horizon={"start_year": 2030, "stages": [{"name": "m1", "years": 1,
                                                 "steps": [{"days": 3}, {"days": 3}]}]},
        routes=[{"name": "ab", "from": "a", "to": "b", "transit_days": 2}],
        supplies=[{"node": "a", "commodity": "x", "price_per_t": 1.0}],
        demands=[{"node": "b", "commodity": "x", "amount": 3}]))
    steps = steps_of(sol)
    assert [steps.label(i) for i in range(3)] == [
        "m1.1, 2030-01-01, 3 days", "m1.2, 2030-01-04, 3 days", "m1.3, 2030-01-07, 359.2 days"]
    assert network_frames(sol)["steps"][1] == "m1.2, 2030-01-04, 3 days"
    text = render_html(sol)
    assert "m1.2, 2030-01-04, 3 days (stage m1)" in text  # a chart's tooltip
    charts = "".join(re.findall(r'<div class="chart".*?</svg>', text, re.S))
    assert "2030.008" not in charts and "m1.3, 2030-01-07, 359.2 days" in charts
    # the flows table shows the steps' start years as the CSV has them, as years
    assert [row[5] for row in _cells(text, "table-flows")[1:]] == ["2030", "2030.0164"]
