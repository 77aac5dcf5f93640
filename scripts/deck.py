"""The slides of a lecture, planned from its notebook: what a lecturer projects, in lecture order.

``plan(nb)`` returns a new notebook whose cells are the deck's slides, each with its
``metadata.slideshow.slide_type`` (what ``jupyter nbconvert --to slides`` and RISE read):

- a **title** slide: the lecture's title (what follows its colon as a subtitle), the model's
  equations from the text under it, and its outline (the main sections);
- per main section (each ``##`` heading up to "What's next", "Details" or the exercises):
  - a slide with its heading, its first sentence and its display equations (at most four);
  - a slide per short code cell, the method's code: at most ``CODE_LINES`` lines of at most
    ``CODE_WIDTH`` characters, without outputs, and the package functions a ``show_source`` cell
    shows, when as short (longer code, set-up, imports and printing stay in the notebook; code
    that differs from an earlier slide's only in its numbers is shown once);
  - a slide per figure, shown large, with the first sentence of what the text after it says;
  - a slide per small table (at most ``TABLE_COLUMNS`` columns and ``TABLE_ROWS`` rows);
  - what a cell prints as its result (at most ``PRINTED_LINES`` short lines; not training reports)
    is said, in the notes: the slides show figures, tables and their takeaways;
  - then, where they fit on one 1280 x 720 slide by the estimate of ``height``, a section's
    slides are joined: code and tables under the text before them, and a lead sentence beside or
    above the figure after it, or, where the lead does not fit, the equations and code above it
    without their sentence (which goes to the notes), as long as the figure covers 41 % of the
    slide, so that no slide holds a heading and a line alone; the notes then say the set-up first;
  - two strips of images (figures under 40 % of a slide however large) in a row share a slide
    where they fit;
  - a slide left without a figure is set larger where it has room (see ``LARGER``: code where its
    lines fit, prose and display math on a slide less than 70 % or 55 % full), and a table on a
    slide less than 70 % or 55 % full at 30 or 36 px where its columns fit;
- a **summary** slide: the notebook's Summary, else each section's takeaway.

Seeding (``keras.utils.set_random_seed``) is never shown; Keras' ``compile`` and ``fit`` are shown
once per deck, later only the model, and a loop that only builds a model for each seed not at all;
a line that only builds a model is said in the notes.

The rest of the prose becomes the speaker notes of the slide it belongs to: what is said about a
figure on that figure's slide, and the text that sets up the next one (after the first's takeaway,
or after a section's opening equations) on the next one's; each note is cut to a glance (``_cues``),
and says "(equation on the slide)" only for an equation the slide shows. The claim checks, the
exercises and their solutions never appear. A lecturer overrides the rules per cell by giving it a
slide type in JupyterLab's property inspector ("Slide Type"): "Skip" leaves it out; any other type
puts the cell in the deck as it is, at its place, with that type.

    python scripts/deck.py notebooks/01_autoencoder.ipynb   # print the plan, one line per slide

Applied at build time by ``scripts/build_slides.py``: the committed notebooks stay as they are.
"""
from __future__ import annotations

import ast
import base64
import itertools
import math
import re
import struct
import sys
from dataclasses import dataclass, field

import nbformat

CODE_LINES, CODE_WIDTH = 12, 88
TABLE_COLUMNS, TABLE_ROWS = 6, 6
LEAD_CHARACTERS = 220            # a first sentence longer than this stays in the notes
NOTES_WORDS = 90                 # speaker notes a lecturer can glance at: the lecture page says the rest
SUMMARY_CHARACTERS = 150         # a longer takeaway is named by its section's title on the summary slide
WIDE = 1.55                      # figures at least this wide for their height run under the heading
END = ("what's next", "details", "exercises", "further reading")
SOLUTION = "### BEGIN SOLUTION"


@dataclass
class Section:
    title: str
    cells: list = field(default_factory=list)


#: cells that work behind the lecture (claim checks; seeding and caching), shown on no slide or page
BEHIND_THE_PAGE = {"claims", "plumbing"}


def _heading(line: str) -> tuple[int, str] | None:
    match = re.match(r"\s*(#{1,6})\s+(.*)", line)
    return (len(match.group(1)), match.group(2).strip()) if match else None


def paragraphs(markdown: str) -> list[str]:
    """Headings and blank-line separated blocks, never cut inside a ``$$`` block or a code fence."""
    blocks, current, fenced, math = [], [], False, False
    for line in markdown.splitlines():
        if not fenced and not math and not line.strip():
            if current:
                blocks.append("\n".join(current))
            current = []
            continue
        if not fenced and not math and _heading(line):
            if current:
                blocks.append("\n".join(current))
            blocks.append(line)                               # a heading stands alone
            current = []
            continue
        current.append(line)
        fenced ^= line.lstrip().startswith("```")
        math ^= line.count("$$") % 2 == 1
    if current:
        blocks.append("\n".join(current))
    return blocks


def first_sentence(text: str) -> str:
    """The paragraph's first sentence before any display equation (math and abbreviations kept
    whole); "" when the text before the equation is not a sentence."""
    text = re.split(r"\$\$|\\begin\{", text)[0]
    masked = re.sub(r"\$[^$]*\$", lambda m: "x" * len(m.group()), text)
    masked = re.sub(r"\b(e\.g|i\.e|et al|cf|vs|Fig|Eq)\.", lambda m: m.group()[:-1] + "x", masked)
    match = re.search(r"[.!?](\s|$)", masked)
    if not match and text.strip().endswith(":"):          # "... splits into three parts:" and the equation
        return text.strip()[:-1].replace("\n", " ").rstrip() + "."
    return text[: match.start() + 1].replace("\n", " ").strip() if match else ""


def _slide_sentence(text: str) -> str:
    """The first sentence, if short enough for a slide, else its part before a colon or semicolon;
    without asides that point at the notebook's printed output, which the slide does not show."""
    sentence = POINTER.sub("", first_sentence(text))
    if len(sentence) > LEAD_CHARACTERS:
        masked = re.sub(r"\$[^$]*\$", lambda m: "x" * len(m.group()), sentence)
        cut = min((masked.find(c) for c in ":;" if c in masked), default=-1)
        sentence = sentence[:cut].rstrip(" ,") + "." if 40 <= cut <= LEAD_CHARACTERS else ""
    return sentence


TRAILING = re.compile(r"(\\[,;!]|[,.;:\s])+$")       # punctuation that ends an equation in running text
RELATION = re.compile(r"=|\\sim\b|\\le|\\ge|\\approx|<|>|\\propto")


def _equations(markdown: str) -> list[str]:
    """The display equations of ``markdown``; a block whose ``\\qquad``-separated parts are each
    an equation (a relation in each) is cut into one line per part, unless it is an environment
    (``aligned``, ``gathered``) with rows of its own."""
    lines = []
    for block in re.findall(r"\$\$(.*?)\$\$", markdown, flags=re.DOTALL):
        parts = [part.strip() for part in block.split("\\qquad") if part.strip(" ,.\n")]
        if len(parts) > 1 and (not all(RELATION.search(part) for part in parts) or "\\begin{" in block):
            parts = [block.strip()]
        lines += ["$$" + TRAILING.sub("", part) + "$$" for part in parts]
    return lines


def _table_for_slide(markdown: str) -> str:
    """The table with its short header cells kept on one line (a wrapped "seed / 0" reads badly), and in
    a longer one, as in each row's name, what stands in parentheses or around "=" ("(max − min)", "S = 2")."""
    lines = markdown.strip().splitlines()
    together = lambda text: re.sub(r"\([^()]*\)|\S+ = \S+", lambda m: m.group().replace(" ", "&nbsp;"), text)
    cells = lines[0].split("|")
    lines[0] = "|".join(f" {c.strip().replace(' ', '&nbsp;')} " if len(c.strip()) <= 14 else together(c)
                        for c in cells)
    for k, line in enumerate(lines[2:], start=2):          # a row's name too: "score function, / S = 1"
        first, bar, rest = line.lstrip().removeprefix("|").partition("|")
        lines[k] = f"|{together(first)}|{rest}" if bar else line
    return "\n".join(lines)


def _images(cell) -> list[dict]:
    return [out for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]


def _aspect(png_base64: str) -> float:
    """Width / height of a PNG, from its header."""
    head = base64.b64decode(png_base64[:44])
    width, height = struct.unpack(">II", head[16:24])
    return width / height


#: the box a figure fills on a 1280 x 720 slide: under the heading (wide), or beside the text (side)
FIGURE_BOX = {True: (1240, 550), False: (860, 690)}


def _sized(image: dict, wide: bool, room: float | None = None) -> nbformat.NotebookNode:
    """The figure as an <img> scaled to fill its box on the slide (no taller than ``room``),
    keeping its proportions."""
    png = image["data"]["image/png"]
    aspect = _aspect(png)
    box_width, box_height = FIGURE_BOX[wide]
    box_height = min(box_height, room or box_height)
    height = min(box_height, box_width / aspect)
    html = (f'<img class="slide-figure" src="data:image/png;base64,{png.strip()}" alt="figure" '
            f'style="width: {round(height * aspect)}px; height: {round(height)}px">')
    return nbformat.v4.new_output("display_data", data={"text/html": html})


def _table(cell) -> str | None:
    """The cell's markdown table, if it is small enough for a slide."""
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/markdown", "")
        rows = [line for line in text.strip().splitlines() if line.startswith("|")]
        narrow = rows and (rows[0].count("|") - 1 <= TABLE_COLUMNS or _table_width(text, 24) <= ROOM_WIDTH)
        if len(rows) >= 3 and len(rows) - 2 <= TABLE_ROWS and narrow and max(len(r) for r in rows) <= 140:
            return text
    return None


#: printed lines that are not a result: training and cache reports, the set-up's header
NOT_A_RESULT = re.compile(r"^(\w+: (loaded from the cache|trained) .*|device: .*|(full|fast) setting.*|data: .*"
                          r"|.*\[\s*-?[\d.]+(,?\s+-?[\d.]+){3,}\s*\].*)$")      # ... or an array, read by no one
PRINTED_LINES, PRINTED_WIDTH = 3, 200


def _printed(cell) -> str:
    """What the cell prints, its results (not its training reports), as quoted lines for a slide:
    at most ``PRINTED_LINES`` lines of at most ``PRINTED_WIDTH`` characters, else nothing."""
    lines = [line.strip() for out in cell.get("outputs", []) if out.get("output_type") == "stream"
             for line in "".join(out.get("text", "")).splitlines()
             if line.strip() and not NOT_A_RESULT.match(line.strip())]
    if not lines or len(lines) > PRINTED_LINES or max(map(len, lines)) > PRINTED_WIDTH:
        return ""
    lines = [re.sub(r"(?<![\w.])-(?=\d)", "−", line) for line in lines]          # a minus sign, typeset
    return "\n\n".join("> " + re.sub(r"([_*$\\])", r"\\\1", line) for line in lines)


def _unquoted(printed: str) -> str:
    """Printed lines, as said in the notes rather than quoted on the slide: each a sentence, its
    first word capitalized (where it is a plain word, not a symbol such as ``q(y|x)``) and ended."""
    def sentence(line: str) -> str:
        line = line.removeprefix("> ")
        if re.match(r"[a-z]{2,}\b(?![(_\\])", line):
            line = line[0].upper() + line[1:]
        return line if re.search(r"[.!?:;]$", line) else line + "."
    return "\n\n".join(sentence(line) for line in printed.split("\n\n"))


def _short_code(cell) -> bool:
    lines = [line for line in cell.source.splitlines() if line.strip()]
    code = [line for line in lines if not line.lstrip().startswith("#")]
    return (0 < len(lines) <= CODE_LINES and max(len(line) for line in lines) <= CODE_WIDTH
            and not re.match(r"(import|from)\s", code[0]) and "show_source" not in cell.source
            and "print(" not in cell.source                         # reporting, not the method
            and SOLUTION not in cell.source and not code[0].startswith("check_"))


def _shown_source(cell) -> list[str]:
    """The package code a ``show_source`` cell displays, each function short enough for a slide."""
    if "show_source" not in cell.source:
        return []
    found = []
    names = iter(re.findall(r"show_source\(\s*([\w.]+)", cell.source))
    for out in cell.get("outputs", []):
        match = re.fullmatch(r"\s*```python\n(.*?)\n```\s*", out.get("data", {}).get("text/markdown", ""), re.DOTALL)
        if not match:
            continue
        name = ".".join(next(names, "").split(".")[-2:])      # which class's method: BetaVAE.penalty_terms
        lines = ([f"# {name}"] if "." in name else []) + match.group(1).splitlines()
        if len(lines) <= CODE_LINES and max(map(len, lines)) <= CODE_WIDTH:
            found.append("\n".join(lines))
    return found


#: one line that only builds a model: ``m1 = vae_tf.VAE(latent_dim=50)``
CONSTRUCTOR = re.compile(r"[\w\[\]]+\s*=\s*[\w.]+\([^\n]*\)\s*(#[^\n]*)?")
#: the lines of Keras' training routine: seeding, ``compile`` and ``fit``
TRAINING_LINE = re.compile(r"\s*(keras\.utils\.set_random_seed\(|[\w\[\]]+\.(compile|fit)\()")
SEED_LINE = re.compile(r"\s*keras\.utils\.set_random_seed\(")
EMPTY_CONTAINER = re.compile(r"\s*[\w, ]+=\s*(\{\}|\[\])(\s*,\s*(\{\}|\[\]))*\s*(#.*)?$")   # results = {}: book-keeping


def _statements(source: str) -> list[list[str]]:
    """The source's lines grouped by statement: a call continued over lines stays with its first."""
    groups, depth = [], 0
    for line in source.splitlines():
        if depth > 0 and groups:
            groups[-1].append(line)
        else:
            groups.append([line])
        code = re.sub(r"#.*$", "", re.sub(r"(\"[^\"]*\"|'[^']*')", "", line))
        depth = max(0, depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"))
    return groups


def _without_repeated_training(source: str, seen: set[str]) -> str:
    """The code as a deck shows it: never the seeding (set-up); Keras' training routine
    (``compile``, ``fit``) in full the first time, later only the model being trained, and nothing
    where the rest is a loop over seeds that only builds models (the slide's text says what they are)."""
    statements = [st for st in _statements(source) if not SEED_LINE.match(st[0])
                  and not EMPTY_CONTAINER.match(st[0])]
    lines = [line for st in statements for line in st]
    if not any(TRAINING_LINE.match(st[0]) for st in statements):
        return "\n".join(lines)
    if "training routine" not in seen:
        seen.add("training routine")
        return "\n".join(lines)
    kept = [line for st in statements if not TRAINING_LINE.match(st[0]) for line in st]
    body = [line for line in kept if line.strip() and not line.strip().startswith("#")]
    models = [re.sub(r"\d", "", call) for call in re.findall(r"vae_tf\.\w+\([^)]*\)", "\n".join(body))]
    steps = [st for st in _statements("\n".join(body))]
    if any(re.match(r"\s*for\s", line) for line in body) and len(steps) <= 2 and models:
        return ""                                   # a loop that only builds a model for each seed
    return "\n".join(kept) if body else ""


def _explicit(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def sections(nb) -> tuple[str, list[str], list[Section], str]:
    """The title, the paragraphs under it, the main sections with their cells, and the text of
    the notebook's "Summary" section ("" if it has none)."""
    title, intro, found, current, ended, summary, in_summary, in_setup = "", [], [], None, False, [], False, False
    for cell in nb.cells:
        if BEHIND_THE_PAGE & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "markdown":
            for part in paragraphs(cell.source):
                heading = _heading(part.splitlines()[0])
                if heading and heading[0] == 1 and not title:
                    title = heading[1]
                    continue
                if heading and heading[0] == 2:
                    ended = ended or heading[1].lower().startswith(END)
                    name = heading[1].lower()
                    current = None if ended or name in ("setup", "summary") else Section(heading[1])
                    if current:
                        found.append(current)
                    in_summary, in_setup = name == "summary", name == "setup"
                    continue
                if heading is None and not ended and in_summary:
                    summary.append(part)
                    continue
                if heading:
                    continue                                   # a subsection's text joins its section
                if current is not None:
                    current.cells.append(nbformat.v4.new_markdown_cell(part, metadata=dict(cell.metadata)))
                elif not found and title and not in_setup:           # the set-up is not the lecture
                    intro.append(part)
        elif current is not None:
            current.cells.append(cell)
    return title, intro, found, "\n\n".join(summary)


def _slide(source: str, kind: str = "slide", **metadata) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source, metadata={"slideshow": {"slide_type": kind}, **metadata})


#: asides that point at what a deck does not show: the notebook's printed output, its Details, its exercises
POINTER = re.compile(r"\s*\((?:[^()$]*\s)?(?:printed|above|below)(?:\s[^()$]*)?\)"
                     r"|\s*\((?:see |why[^()]*: )?\*?Details\*?[^()]*\)|\s*\((?:see )?[Ee]xercises? [^()]*\)")


#: a sentence about what a deck does not show: the notebook's Details, exercises, widgets, cache
ELSEWHERE = re.compile(r"\bDetails\b|\bexercises?\b|\bsliders?\b|\bbuttons?\b|\bcache\b|\bprinted (?:above|below)\b")


def spoken(text: str) -> str:
    """The text as a lecturer says it beside the slides: without pointers to what the deck does not
    show, nor the sentences about it (display math and tables kept whole)."""
    parts = []
    for part in paragraphs(POINTER.sub("", text)):
        if part.lstrip().startswith(("$$", "|", "#")):
            parts.append(part)
            continue
        masked = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", lambda m: "x" * len(m.group()), part, flags=re.DOTALL)
        masked = re.sub(r"\b(e\.g|i\.e|et al|cf|vs|Fig|Eq)\.", lambda m: m.group()[:-1] + "x", masked)
        ends = [m.end() for m in re.finditer(r"[.!?](?=\s+[A-Z(*])", masked)] + [len(part)]
        starts = [0] + ends[:-1]
        if not ELSEWHERE.search(masked):
            parts.append(part)                                   # as written, lists and line breaks kept
            continue
        kept = [part[a:b].strip() for a, b in zip(starts, ends) if not ELSEWHERE.search(masked[a:b])]
        if any(kept):
            parts.append(" ".join(k for k in kept if k))
    return "\n\n".join(parts)


def _notes(text: str) -> nbformat.NotebookNode:
    """Speaker notes: the text as said (see ``spoken``)."""
    return _slide(spoken(text), "notes")


def _at_heading(markdown: str) -> tuple[str, str]:
    """The markdown split at its first heading after the start: what it says about what came
    before, and what it sets up (the heading and the rest)."""
    lines = markdown.splitlines()
    at = next((k for k, line in enumerate(lines) if k and _heading(line)), None)
    if at is None:
        return markdown.strip(), ""
    return "\n".join(lines[:at]).strip(), "\n".join(lines[at:]).strip()


def _said_after(cells: list, i: int) -> str:
    """The text that comments on cell ``i``'s output: the next markdown cell, past code that shows
    nothing on a slide (checks, printing), unless another figure or table or a heading comes first."""
    for cell in cells[i + 1:]:
        if cell.cell_type == "markdown":
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            return "" if _heading(first) else cell.source
        if _images(cell) or _table(cell):
            return ""
    return ""


def _new_topic(markdown: str) -> bool:
    """A paragraph that opens a topic of its own: a bold lead-in, or a display equation."""
    return markdown.lstrip().startswith("**") or "$$" in markdown


def _shows_later(cells: list, i: int) -> bool:
    """Whether a figure or table follows cell ``i`` in its section."""
    return any(_images(c) or _table(c) for c in cells[i + 1:])


def _section_slides(section: Section, seen_code: set[str]) -> tuple[list, str]:
    """The section's slides, and its takeaway (the first sentence said about its first figure)."""
    slides, takeaway, pending, carry = [], "", "", ""
    commented = False              # the last figure or table shown already has its comment
    cells = section.cells
    prose_before = []
    for cell in cells:
        if cell.cell_type != "markdown" or _explicit(cell):
            break
        prose_before.append(cell.source)
    lead = next((s for s in map(_slide_sentence, prose_before) if s), "")
    shown_at = next((k for k, c in enumerate(cells) if _images(c) or _table(c)), len(cells))
    prose = [c.source for c in cells[:shown_at] if c.cell_type == "markdown" and not _explicit(c)]
    equations = [eq for text in prose for eq in _equations(text)][:4]
    later: list[str] = []          # the equations after the first figure: on the slide of what they set up
    if lead or equations:
        slides.append(_slide("\n\n".join([f"## {section.title}", lead, *equations])))
        parts = paragraphs("\n\n".join(prose_before))
        last = max((k for k, part in enumerate(parts) if "$$" in part), default=len(parts))
        if parts[:last + 1]:                       # what the equations say, on their slide
            slides.append(_notes("\n\n".join(parts[:last + 1])))
        carry = "\n\n".join(parts[last + 1:])        # what sets up the code or figure after them, on its slide
    else:                                   # no heading alone on a slide: its notes go to the next one
        pending = "\n\n".join(prose_before)
    i = len(prose_before)
    while i < len(cells):
        cell = cells[i]
        following = _said_after(cells, i)
        kind = _explicit(cell)
        if kind:                                            # the lecturer's choice wins
            if kind != "skip":
                slides.append(nbformat.from_dict(cell))
                slides[-1].metadata["deck_kept"] = True
            i += 1
            continue
        if cell.cell_type == "markdown":
            if i > shown_at:
                later += _equations(cell.source)
            said_here, sets_up = _at_heading(cell.source)       # a subheading starts the next slide's set-up
            after_prose = i > len(prose_before) and cells[i - 1].cell_type == "markdown"
            introduces = after_prose or cell.source.rstrip().endswith(":")    # "... trained with K = 500:"
            if introduces and i + 1 < len(cells) and cells[i + 1].cell_type == "code" \
                    or commented and _new_topic(cell.source) and _shows_later(cells, i):
                # the set-up of what a later cell shows: the figure before had its comment already
                said_here, sets_up = "", cell.source.strip()
            commented = commented or bool(said_here)
            if carry or not said_here:
                carry = "\n\n".join(t for t in (carry, said_here, sets_up) if t)
            elif slides and slides[-1].metadata["slideshow"]["slide_type"] == "notes":
                slides[-1].source += "\n\n" + spoken(said_here)
                carry = sets_up
            else:
                slides.append(_notes(said_here))
                carry = sets_up
            i += 1
            continue
        start = len(slides)
        images, table = _images(cell), _table(cell)
        commented = commented and not (images or table)
        if later and (images or table):
            slides.append(_slide("\n\n".join([f"### {section.title}", *later[:4]])))
            later = []
        said = _slide_sentence(following) if following else ""
        printed = _printed(cell)
        for n, image in enumerate(images):
            wide = _aspect(image["data"]["image/png"]) >= WIDE
            text = said if n == len(images) - 1 else ""
            room = ROOM_HEIGHT - text_height(f"### {section.title}") - text_height(text) - 16 if wide else None
            figure = nbformat.v4.new_code_cell(cell.source, outputs=[_sized(image, wide, room)], metadata={
                "slideshow": {"slide_type": "-"}, "tags": ["remove_input", "figure-wide" if wide else "figure-side"]})
            heading = f"### {section.title}"
            if wide:
                slides += [_slide(heading), figure] + ([_slide(text, "-")] if text else [])
            else:
                slides += [figure, _slide(f"{heading}\n\n{text}".strip(), "-")]
                slides[-2].metadata["slideshow"]["slide_type"] = "slide"
            takeaway = takeaway or said
        if table and not images:
            # its rows unwrapped; else its values, the names in the first column on two lines; else let them wrap
            unwrapped = ["table-nowrap"] if _table_width(table, 24) <= ROOM_WIDTH else \
                ["table-nowrap-values"] if _table_width(table, 24, names_wrap=True) <= ROOM_WIDTH else []
            slides += [_slide(f"### {section.title}"), nbformat.v4.new_markdown_cell(
                _table_for_slide(table), metadata={"slideshow": {"slide_type": "-"}, "tags": unwrapped})]
            if said:
                slides.append(_slide(said, "-"))
            takeaway = takeaway or said
        shown = [cell.source] if not images and not table and _short_code(cell) else _shown_source(cell)
        for source in shown:
            source = _without_repeated_training(source, seen_code)
            if not source or re.sub(r"\d", "", source) in seen_code:    # the same call with other numbers: shown once
                continue
            seen_code.add(re.sub(r"\d", "", source))
            if CONSTRUCTOR.fullmatch(source.strip()):        # one model built: the slide's text says which
                said = f"The code: `{source.strip()}`."
                if carry and _shows_later(cells, i):         # with what it sets up, where that is shown
                    carry += "\n\n" + said
                else:
                    slides.append(_notes(said))
                continue
            code = nbformat.v4.new_code_cell(source, metadata={"slideshow": {"slide_type": "-"}})
            slides += [_slide(f"### {section.title}: the code"), code]
        if carry and len(slides) > start:                   # said where what it sets up is shown
            slides.append(_notes(carry))
            carry = ""
        if printed and carry and len(slides) == start and _shows_later(cells, i):   # said where shown
            carry += "\n\n" + _unquoted(printed)
        elif printed:                                       # numbers are said; the slides show figures
            slides.append(_notes(_unquoted(printed)))
        i += 1
    if carry:
        slides.append(_notes(carry))
    if pending and slides:
        first = next(i for i, c in enumerate(slides) if i + 1 == len(slides)
                     or slides[i + 1].metadata["slideshow"]["slide_type"] in ("slide", "subslide"))
        slides.insert(first + 1, _notes(pending))
    return slides, takeaway


#: the room for content on a 1280 x 720 slide (px), and the gap between a side figure and its text
ROOM_WIDTH, ROOM_HEIGHT, GAP = 1240, 700, 32


def _lines(text: str, width: float, size: float) -> int:
    """Lines that ``text`` takes in a column ``width`` px wide at font ``size`` px (about half
    an em per character; inline math counted by its length in print, about a third of its source)."""
    printed = re.sub(r"\$([^$]*)\$", lambda m: "x" * (len(m.group(1)) // 3 + 1), text)
    printed = re.sub(r"\*\*|`", "", printed)
    return max(1, math.ceil(len(printed) / (width / (0.5 * size))))


def text_height(markdown: str, width: float = ROOM_WIDTH, math_scale: float = 1.0,
                table_scale: float = 1.0) -> float:
    """The height (px) the slide template gives ``markdown`` in a column ``width`` px wide (display
    math ``math_scale`` times its usual size)."""
    height = 0.0
    for part in paragraphs(markdown):
        heading = _heading(part.splitlines()[0])
        if heading:
            size = {1: 52, 2: 44}.get(heading[0], 36)
            height += _lines(heading[1], width, size * 1.05) * size * 1.2 + {1: 68, 2: 20}.get(heading[0], 14)
        elif part.lstrip().startswith("$$"):
            for block in re.findall(r"\$\$(.*?)\$\$", part, flags=re.DOTALL) or [part]:
                for line in re.split(r"\\\\(?![a-zA-Z])", block):       # the rows of an aligned block
                    tall = re.search(r"\\(frac|sum|prod|int|sqrt)", line)
                    limits = re.search(r"\\(sum|prod)_(\{[^}]*\}|\S)\^", line)   # limits above and below
                    braced = re.search(r"\\(underbrace|overbrace)", line)
                    size = 130 if limits else 110 if re.search(r"\\(sum|prod)_", line) else 90 if tall else 62
                    height += (size + (40 if braced else 0)) * math_scale
        elif part.lstrip().startswith("|"):
            wraps = math.ceil(_table_width(part, 24 * table_scale) / width)   # lines per row
            height += ((46 + 27 * (wraps - 1)) * (len(part.strip().splitlines()) - 1) + 24) * table_scale
        else:
            items = re.split(r"\n(?=- )", part)
            height += sum(_lines(item, width - 34 * (len(items) > 1), 28) * 38 + 12 for item in items) + 16
    return height


def _figure_size(cell) -> tuple[float, float] | None:
    for out in cell.get("outputs", []):
        match = re.search(r"width: (\d+)px; height: (\d+)px", out.get("data", {}).get("text/html", ""))
        if match:
            return float(match.group(1)), float(match.group(2))
    return None


def height(slide: list) -> float:
    """The estimated height (px) of a slide's cells, notes aside; a side figure is as tall as the
    taller of it and the text beside it."""
    figures = [_figure_size(c) for c in slide if _figure_size(c)]
    side = any("figure-side" in c.metadata.get("tags", []) for c in slide)
    width = ROOM_WIDTH - figures[0][0] - GAP if side else ROOM_WIDTH
    total = 0.0
    for cell in slide:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if kind == "notes":
            continue
        tags = cell.metadata.get("tags", [])
        scale = 34 / 28 if "text-xlarge" in tags else 30 / 28 if "roomy" in tags else 1.0
        if _figure_size(cell):
            total += 0 if side else _figure_size(cell)[1] + 8
        elif cell.cell_type == "code":
            per_line = next((CODE_SIZES[t][0] for t in tags if t in CODE_SIZES), 29)   # 21 px code
            total += per_line * len(cell.source.splitlines()) + 44
        else:
            math = next((MATH_SCALES[t] for t in tags if t in MATH_SCALES), 1.0)
            table = next((TABLE_SIZES[t] for t in tags if t in TABLE_SIZES), 24) / 24
            total += scale * text_height(cell.source, width / scale, math, table / scale)
    return max(total, figures[0][1]) if side else total


def _by_slide(cells: list) -> list[list]:
    slides = []
    for cell in cells:
        if cell.metadata.get("slideshow", {}).get("slide_type") in ("slide", "subslide") or not slides:
            slides.append([])
        slides[-1].append(cell)
    return slides


def _kind(slide: list) -> str:
    """"kept" (a lecturer's), "side" or "wide" (a figure's), "lead" (a heading and a sentence), "text"."""
    if any(c.metadata.get("deck_kept") for c in slide):
        return "kept"
    for cell in slide:
        for tag in ("figure-side", "figure-wide"):
            if tag in cell.metadata.get("tags", []):
                return tag[7:]
    shown = [c for c in slide if c.metadata.get("slideshow", {}).get("slide_type") != "notes"]
    if len(shown) == 1 and shown[0].cell_type == "markdown" and "$$" not in shown[0].source:
        return "lead"
    return "text"


def _continued(cells: list) -> list:
    """The cells of a slide to be shown under another's: its heading alone dropped, the rest
    continuing that slide."""
    cells = [nbformat.from_dict(c) for c in cells]
    first = cells[0]
    if first.cell_type == "markdown" and _heading(first.source.strip()) and "\n" not in first.source.strip():
        cells = cells[1:]
    for cell in cells:
        if cell.metadata["slideshow"]["slide_type"] in ("slide", "subslide"):
            cell.metadata["slideshow"]["slide_type"] = "-"
    return cells


def _result_after_setup(previous: list, slide: list) -> bool:
    """A table of results after a slide of equations and code: the two stay apart, the set-up and
    what it gave, so neither slide is overloaded."""
    shown = lambda cells: "\n".join(c.source for c in cells if c.metadata["slideshow"]["slide_type"] != "notes")
    table = re.search(r"^\s*\|", shown(slide), re.M)
    setup = "$$" in shown(previous) and any(c.cell_type == "code" for c in previous)
    return bool(table) and setup


def _body(markdown: str) -> str:
    """The markdown without its heading lines."""
    return "\n\n".join(p for p in paragraphs(markdown) if not _heading(p.splitlines()[0]))


def compact(cells: list) -> list:
    """A section's slides joined where they fit (see the module docstring); notes stay with their
    slide's content."""
    joined: list[list] = []
    for slide in _by_slide(cells):
        previous = joined[-1] if joined else None
        kind = _kind(slide)
        before = _kind(previous) if previous else None
        if before in ("lead", "text") and kind in ("lead", "text") and not _result_after_setup(previous, slide):
            rest = _continued(slide)
            if rest and height(previous + rest) <= ROOM_HEIGHT:
                previous += rest
                continue
            only_code = rest and all(c.cell_type == "code" for c in rest
                                     if c.metadata["slideshow"]["slide_type"] != "notes")
            equations = any(_equations(c.source) for c in previous if c.cell_type == "markdown")
            if only_code and equations and height(_without_prose(previous) + rest) <= ROOM_HEIGHT:
                joined[-1] = _notes_last(_without_prose(previous) + rest, [])   # the code under its equations
                continue
        if before in ("lead", "text") and kind in ("side", "wide"):
            fits = lambda merged: merged and height(merged) <= (
                FIGURE_BOX[False][1] if kind == "side" else ROOM_HEIGHT) + 1
            merged = _with_content(slide, previous, kind)
            if not fits(merged) and before == "text":        # the equations or code without the lead
                merged = _with_content(slide, _without_prose(previous), kind, room=ROOM_HEIGHT - 24)  # tall math
            if not fits(merged) and before == "text":        # nor a one-line constructor: the equations say it
                merged = _with_content(slide, _without_prose(_without_one_liners(previous)), kind,
                                       room=ROOM_HEIGHT - 24)
            trimmed = _without_training(previous)
            if not fits(merged) and before == "text" and trimmed:   # the model without compile and fit, said
                merged = _with_content(slide, _without_prose(trimmed), kind, room=ROOM_HEIGHT - 24)
            if not fits(merged) and kind == "wide":          # the text beside the figure, made narrower
                merged = _beside(slide, previous)
            if fits(merged) or merged and _kind(merged) == "side" and height(merged) <= FIGURE_BOX[False][1] + 1:
                joined[-1] = merged
                continue
        if before == "wide" and kind == "wide" and all(_strip(c) for c in previous + slide if _figure_size(c)):
            strips = _notes_last(previous + _continued(slide), [])
            if height(strips) <= ROOM_HEIGHT:                # two strips of images, one slide
                joined[-1] = strips
                continue
        shown = [c for c in _continued(slide) if c.metadata["slideshow"]["slide_type"] != "notes"]
        if previous and kind == "text" and len(shown) == 1 and shown[0].cell_type == "code" \
                and len(shown[0].source.strip().splitlines()) == 1:
            previous += [c for c in slide if c.metadata["slideshow"]["slide_type"] == "notes"]
            continue                                      # one line of code alone says little
        joined.append(slide)
    return [cell for slide in joined for cell in slide]


def _strip(cell) -> bool:
    """A figure that covers under 40 % of the slide however large it is drawn: a strip of images."""
    width, tall = _figure_size(cell)
    return width * tall < 0.4 * 1280 * 720


def _without_one_liners(slide: list) -> list:
    """The slide without its code of one line (a model's constructor), which goes to the notes."""
    kept = [c for c in slide if not (c.cell_type == "code" and len(c.source.strip().splitlines()) == 1)]
    gone = [c.source for c in slide if c not in kept]
    return kept + ([_notes("The code: `" + "`, `".join(gone) + "`.")] if gone else [])


def _without_training(slide: list) -> list | None:
    """The slide with Keras' ``compile`` and ``fit`` left out of its code (the notes say them), the
    model it trains kept; None where its code has no such lines or nothing else."""
    kept, gone = [], []
    for cell in slide:
        if cell.cell_type == "code" and cell.metadata["slideshow"]["slide_type"] != "notes":
            statements = _statements(cell.source)
            training = [st for st in statements if TRAINING_LINE.match(st[0])]
            rest = [line for st in statements if st not in training for line in st]
            if training and rest:
                cell = nbformat.from_dict(cell)
                cell.source = "\n".join(rest)
                gone += [" ".join(line.strip() for line in st) for st in training]
        kept.append(cell)
    if not gone:
        return None
    return kept + [_notes("Then `" + "` and `".join(g.rstrip(";") for g in gone) + "`.")]


def _without_prose(slide: list) -> list:
    """The slide with its sentences moved to the speaker notes, its heading, equations and code kept."""
    kept, said = [], []
    for cell in slide:
        cell = nbformat.from_dict(cell)
        if cell.cell_type == "markdown" and cell.metadata["slideshow"]["slide_type"] != "notes":
            parts = paragraphs(cell.source)
            prose = [p for p in parts if not _heading(p.splitlines()[0]) and not p.lstrip().startswith(("$$", "|"))]
            said += prose
            cell.source = "\n\n".join(p for p in parts if p not in prose)
        kept.append(cell)
    noted = " ".join(c.source for c in slide if c.metadata["slideshow"]["slide_type"] == "notes")
    said = [p for p in said if p not in noted]                  # said once in the notes
    return kept + ([_notes("\n\n".join(said))] if said else [])


KEPT = 0.75      # a figure shrunk to make room for its set-up keeps at least this share of its height


def _math_width(equation: str) -> float:
    """The rough width (px) of a display equation on a slide: about 16 px per visible symbol
    (commands, braces and scripts' markers not counted)."""
    return 16 * len(re.sub(r"\\[a-zA-Z]+|[{}_^$\s]", "", equation))


def _with_content(slide: list, previous: list, kind: str, room: float = ROOM_HEIGHT) -> list | None:
    """The figure's slide with the previous slide's content (its heading dropped) under its
    heading: only text beside a figure; above one, text and code, the figure made smaller by as
    much as they do not fit, if it still covers 41 % of the slide (the browser check asks 40 %)."""
    shown = [c for c in previous if c.metadata["slideshow"]["slide_type"] != "notes"]
    notes = [c for c in previous if c.metadata["slideshow"]["slide_type"] == "notes"]
    if kind == "side" and any(c.cell_type != "markdown" for c in shown):
        return None                                      # code beside a figure would not fit its column
    if kind == "side":                                   # nor an equation wider than the column
        figure_width = next(_figure_size(c)[0] for c in slide if _figure_size(c))
        column = ROOM_WIDTH - figure_width - GAP
        if any(_math_width(eq) > column for c in shown for eq in _equations(c.source)):
            return None
    content = [nbformat.from_dict(c) for c in shown]
    if content and content[0].cell_type == "markdown":
        content[0].source = _body(content[0].source)
    content = [c for c in content if c.source.strip()]
    for cell in content:
        cell.metadata["slideshow"]["slide_type"] = "-"
    slide = [nbformat.from_dict(c) for c in slide]
    at = next((i for i, c in enumerate(slide) if c.cell_type == "markdown" and c.source.strip()
               and _heading(c.source.strip().splitlines()[0])), None)
    if at is None:
        return None
    heading = slide[at]
    if kind == "side":                                   # the text column: heading, then the lead
        head, _, rest = heading.source.strip().partition("\n")
        heading.source = "\n\n".join([head, *(c.source for c in content), rest.strip()]).strip()
        return _notes_last(slide, notes)
    figure = next(c for c in slide if _figure_size(c))
    width, tall = _figure_size(figure)
    shrunk = tall - max(0.0, height(slide) + height(content) - room)   # only what does not fit
    if shrunk < tall and (width * shrunk ** 2 / tall < 0.41 * 1280 * 720 or shrunk < KEPT * tall):
        return None                                  # the figure stays large, its labels readable
    for out in figure.outputs:
        out.data["text/html"] = out.data["text/html"].replace(
            f"width: {round(width)}px; height: {round(tall)}px",
            f"width: {round(width * shrunk / tall)}px; height: {round(shrunk)}px")
    return _notes_last(slide[:at + 1] + content + slide[at + 1:], notes)


COLUMN = 400     # the text column beside a wide figure made narrower (display math is fitted to it)


def _beside(slide: list, previous: list) -> list | None:
    """A wide figure's slide laid out as a side figure, its previous slide's text and display math
    (no code, no table) in a ``COLUMN`` px column beside it and its takeaway under them: the figure
    made narrower to leave the column, as long as it still covers 41 % of the slide."""
    shown = [c for c in previous if c.metadata["slideshow"]["slide_type"] != "notes"]
    notes = [c for c in previous if c.metadata["slideshow"]["slide_type"] == "notes"]
    if not shown or any(c.cell_type != "markdown" or re.search(r"^\s*\|", c.source, re.M) for c in shown):
        return None
    if not any(_equations(c.source) for c in shown):        # a sentence alone goes above the figure
        return None
    slide = [nbformat.from_dict(c) for c in slide]
    figure = next(c for c in slide if _figure_size(c))
    width, tall = _figure_size(figure)
    narrow = ROOM_WIDTH - COLUMN - GAP
    low = min(FIGURE_BOX[False][1], tall * narrow / width)
    if width / tall * low * low < 0.41 * 1280 * 720:
        return None
    at = next((i for i, c in enumerate(slide) if c.cell_type == "markdown" and c.source.strip()
               and _heading(c.source.strip().splitlines()[0])), None)
    if at is None:
        return None
    heading = slide[at].source.strip().splitlines()[0]
    texts = [_body(c.source) for c in shown] + [c.source for c in slide if c.cell_type == "markdown"
                                                 and c.metadata["slideshow"]["slide_type"] != "notes"
                                                 and c is not slide[at]]
    for out in figure.outputs:
        out.data["text/html"] = out.data["text/html"].replace(
            f"width: {round(width)}px; height: {round(tall)}px",
            f"width: {round(width / tall * low)}px; height: {round(low)}px")
    figure.metadata["tags"] = ["figure-side" if t == "figure-wide" else t for t in figure.metadata["tags"]]
    figure.metadata["slideshow"]["slide_type"] = "slide"
    column = _slide("\n\n".join([heading, *(t.strip() for t in texts if t.strip())]), "-")
    own_notes = [c for c in slide if c.metadata["slideshow"]["slide_type"] == "notes"]
    return [figure, column] + notes + own_notes


def _notes_last(slide: list, earlier_notes: list) -> list:
    """The slide's shown cells, then the notes of the slide merged into it (said first: they set up
    what it shows), then its own."""
    is_notes = lambda c: c.metadata["slideshow"]["slide_type"] == "notes"
    return [c for c in slide if not is_notes(c)] + earlier_notes + [c for c in slide if is_notes(c)]


#: the sizes a slide without a figure or table is set at, largest first, where it has room: its code
#: (px per line, and the characters of the longest line that still fit at that size) and its
#: display math (against its usual size, 113 % of 28 px text: the template sets 130 % of 30 px and 146 % of 34 px)
LARGER = [  # tier, share of the slide it must fill less than, code tag, line px, longest line, math scale
    ("xlarge", 0.55, "code-xlarge", 38, 70, 1.46 * 34 / (1.13 * 28)),
    ("large", 0.7, "code-large", 32, 82, 1.3 * 30 / (1.13 * 28)),
]
TEXT_TAGS = {"xlarge": "text-xlarge", "large": "roomy"}     # 34 px and 30 px against 28 px
CODE_SIZES = {tag: (line_px, width) for _, _, tag, line_px, width, _ in LARGER}
MATH_SCALES = {f"math-{tier}": scale for tier, *_, scale in LARGER}


def _with_tags(slide: list, code_tag: str | None, text_tags: list[str]) -> list:
    larger = [nbformat.from_dict(c) for c in slide]
    for cell in larger:
        tags = []
        if cell.cell_type == "code" and code_tag:
            tags.append(code_tag)
        shown = cell.metadata.get("slideshow", {}).get("slide_type") != "notes"
        if text_tags and cell.cell_type == "markdown" and shown:
            tags += text_tags if "$$" in cell.source else text_tags[:1]
        cell.metadata["tags"] = [*cell.metadata.get("tags", []), *tags]
    return larger


TRAILING_COMMENT = re.compile(r"^(?P<code>[^#'\"]*\S)\s+#.*$", re.M)


def _without_trailing_comments(cell):
    """The code cell without the comments at the ends of its lines where one makes the code too wide
    for the larger size (the slide's heading and lead say it; a comment on a line of its own stays)."""
    if max((len(line) for line in cell.source.splitlines()), default=0) <= CODE_SIZES["code-large"][1]:
        return cell
    cell = nbformat.from_dict(cell)
    cell.source = TRAILING_COMMENT.sub(lambda m: m.group("code"), cell.source)
    return cell


#: a sparse slide's table, set larger where its rows still fit the width: tag, px, the share of the
#: slide it must fill less than, and the tag of the text beside it
TABLE_TIERS = [("table-xlarge", 36, 0.55, "text-xlarge"), ("table-large", 30, 0.7, "roomy")]
TABLE_SIZES = {tag: px for tag, px, _, _ in TABLE_TIERS}
TABLE_LARGE = TABLE_TIERS[1][:2]


def _table_width(markdown: str, size: float, names_wrap: bool = False) -> float:
    """The width (px) a markdown table takes at ``size`` px, its rows on one line each and its headings
    on at most two lines (with ``names_wrap``, its first column's names on two and its headings on
    three): half an em per character of each column's widest cell (more than digits take, less than
    bold headings), plus padding."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in markdown.splitlines() if line.strip().startswith("|") and "---" not in line]
    if not rows:
        return 0.0
    def chars(cell: str, lines: int) -> int:   # a heading of several words may wrap onto two lines
        cell = re.sub(r"\$([^$]*)\$", lambda m: "x" * (len(m.group(1)) // 3 + 1), cell.replace("&nbsp;", "~"))
        if lines > 1 and " " in cell:
            return max(max(map(len, cell.split())), math.ceil(len(cell) / lines))
        return len(cell)
    head = 3 if names_wrap else 2               # where the names wrap, the headings may take three lines
    widths = [max(chars(row[k], head if n == 0 else 2 if names_wrap and k == 0 else 1)
                  for n, row in enumerate(rows) if k < len(row))
              for k in range(len(rows[0]))]
    return sum(0.5 * size * w + 28 for w in widths)


def _table_fits(cell, size: float = TABLE_LARGE[1]) -> bool:
    """Whether a markdown cell's table (if any) fits the slide's width at ``size`` px, with room to
    spare so that its headings stay on one line."""
    return cell.cell_type != "markdown" or _table_width(cell.source, size) <= 0.85 * ROOM_WIDTH


def _enlarged(slide: list) -> list:
    """A slide without a figure or table set larger where it has room (see ``LARGER``): on a slide
    less than 55 % or 70 % full, its text (tags ``text-xlarge``, ``roomy``), display math (``math-xlarge``,
    ``math-large``; the template shrinks an equation that would then be too wide) and code
    (``code-xlarge``, ``code-large``, where its longest line still fits), as long as the slide stays
    within its room; otherwise only its code, where it fits at the larger size."""
    table = any(c.cell_type == "markdown" and re.search(r"^\s*\|", c.source, re.M) for c in slide)
    if any(_figure_size(c) for c in slide) or any(c.metadata.get("deck_kept") for c in slide):
        return slide
    if table:                                      # a sparse table and its sentence, set larger
        full = height(slide)
        for tag, size, share, text_tag in TABLE_TIERS:
            if full >= share * ROOM_HEIGHT or not all(_table_fits(c, size) for c in slide):
                continue
            larger = [nbformat.from_dict(c) for c in slide]
            for cell in larger:
                if cell.cell_type == "markdown" and cell.metadata["slideshow"]["slide_type"] != "notes":
                    table_here = re.search(r"^\s*\|", cell.source, re.M)
                    cell.metadata["tags"] = [*cell.metadata.get("tags", []), tag if table_here else text_tag]
            if height(larger) <= ROOM_HEIGHT:
                return larger
        return slide
    slide = [_without_trailing_comments(c) if c.cell_type == "code" and not c.get("outputs") else c for c in slide]
    code = [c for c in slide if c.cell_type == "code" and not c.get("outputs")]
    longest = max((len(line) for c in code for line in c.source.splitlines() or [""]), default=0)
    fitting = lambda width: bool(code) and longest <= width
    full = height(slide)
    for i, (tier, share, *_) in enumerate(LARGER):
        if full < share * ROOM_HEIGHT:             # code at this size or smaller, where its lines fit
            code_tag = next((tag for _, _, tag, _, width, _ in LARGER[i:] if fitting(width)), None)
            larger = _with_tags(slide, code_tag, [TEXT_TAGS[tier], f"math-{tier}"])
            if height(larger) <= ROOM_HEIGHT:
                return larger
    larger = _with_tags(slide, "code-large" if fitting(CODE_SIZES["code-large"][1]) else None, [])
    return larger if height(larger) <= ROOM_HEIGHT else slide


def plan(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The deck of ``nb``: a notebook of slides (see the module docstring); ``nb`` is not changed."""
    title, intro, found, summary = sections(nb)
    outline = "\n".join("- " + re.sub(r"^\d+ · ", "", s.title) for s in found)   # numbered or not, alike
    blocks, most = [text for text in intro if "$$" in text][:1], 1     # the model: the first display block
    if not blocks and found:      # ... else the first section's opening equations (encoder, decoder, likelihood)
        opening = itertools.takewhile(lambda c: c.cell_type == "markdown", found[0].cells)
        blocks, most = [c.source for c in opening if "$$" in c.source], 3
    model = ["$$" + TRAILING.sub("", block.strip()) + "$$" for text in blocks
             for block in re.findall(r"\$\$(.*?)\$\$", text, flags=re.DOTALL)][:most]   # each on one line
    head, _, subtitle = title.partition(": ")          # "04 · Label and style: the semi-supervised VAE"
    title = f"{head}\n\n### {subtitle[:1].upper()}{subtitle[1:]}" if subtitle else title
    while model and text_height("\n\n".join([f"# {title}", *model, outline])) > ROOM_HEIGHT:
        model = model[:-1]                             # as many as fit above the outline
    cells = [_slide("\n\n".join([f"# {title}", *model, outline]).strip())]
    if intro:
        cells.append(_notes("\n\n".join(intro)))
    takeaways, seen_code = [], set()
    for section in found:
        slides, takeaway = _section_slides(section, seen_code)
        cells += [cell for slide in _by_slide(compact(slides)) for cell in _enlarged(slide)]
        takeaways.append(takeaway if 0 < len(takeaway) <= SUMMARY_CHARACTERS else section.title)
    cells += _enlarged([_slide("## Summary\n\n" + (summary or "\n".join(f"- {t}" for t in takeaways)))])
    if _whats_next(nb):
        cells.append(_notes(_whats_next(nb)))                 # the summary's notes lead to the next lecture
    numbers = constants(nb)
    for cell in cells:
        if cell.cell_type == "code" and not cell.get("outputs") and numbers:
            cell.source = re.sub(r"\b(%s)\b" % "|".join(numbers), lambda m: numbers[m.group(1)], cell.source)
    cells = [cell for slide in _by_slide(cells) for cell in _said_once(slide)]
    deck = nbformat.v4.new_notebook(cells=cells, metadata=dict(nb.metadata))
    return deck


def _sentences(part: str) -> list[str]:
    """A paragraph's sentences, line by line (a list item or a printed line starts a new one; math,
    abbreviations and list items kept whole)."""
    return [sentence for line in part.split("\n") for sentence in _line_sentences(line)]


def _line_sentences(line: str) -> list[str]:
    masked = re.sub(r"\$[^$]*\$", lambda m: "x" * len(m.group()), line)
    masked = re.sub(r"\b(e\.g|i\.e|et al|cf|vs|Fig|Eq)\.", lambda m: m.group()[:-1] + "x", masked)
    masked = re.sub(r"^\s*\d+\.", lambda m: m.group()[:-1] + "x", masked)   # a numbered item keeps its number
    ends = [m.end() for m in re.finditer(r"[.!?:](?=\s+[A-Z(*])", masked)] + [len(line)]
    return [line[a:b].strip() for a, b in zip([0] + ends[:-1], ends) if line[a:b].strip()]


#: the first words of a sentence that leans on the one before it
LEANS = re.compile(r"(It|Its|They|Their|This|These|Those|There|Each|But|So|Then|Here|Both)\b")
ON_THE_SLIDE = "(equation on the slide)"      # what the notes say where the text shows display math
ELSEWHERE_MATH = "(an equation the slide leaves to the notebook)"


def _on(equation: str, shown: str) -> bool:
    """Whether the slide's text ``shown`` displays ``equation`` (or a part of it, cut at its
    ``\\qquad``s), spaces and closing punctuation aside."""
    plain = lambda tex: re.sub(r"\s+", "", TRAILING.sub("", tex.strip()))
    whole = plain(equation)
    return any(p and p in whole for p in map(plain, re.findall(r"\$\$(.*?)\$\$", shown, flags=re.DOTALL)))


def _said_once(slide: list) -> list:
    """The slide with notes that say only what it does not show: no sentence or table it shows, and
    no display math (the slide shows the lecture's equations; a lecturer says the rest in words)."""
    is_notes = lambda c: c.metadata["slideshow"]["slide_type"] == "notes"
    shown = " ".join(c.source for c in slide if not is_notes(c))
    kept, heard = [], set()
    for cell in slide:
        if not is_notes(cell):
            kept.append(cell)
            continue
        parts = []
        for part in paragraphs(cell.source):
            if part.lstrip().startswith("|") and part.strip() in shown:
                continue
            part = re.sub(r"\s*\$\$(.*?)\$\$\s*", lambda m: f" {ON_THE_SLIDE if _on(m.group(1), shown) else ELSEWHERE_MATH} ",
                          part, flags=re.DOTALL).strip()
            sentences = _sentences(part)
            said = [s for s in sentences if s not in shown and s not in heard]
            # a sentence that leans on the one before ("It ...", "But where?") keeps it, though the slide shows it
            said = [s for k, s in enumerate(sentences) if s in said or k + 1 < len(sentences)
                    and sentences[k + 1] in said and LEANS.match(sentences[k + 1]) and s not in heard]
            heard.update(said)
            if said and said not in ([ON_THE_SLIDE], [ELSEWHERE_MATH]):
                if len(said) < len(_sentences(part)):                 # the rest, line by line
                    lines = (" ".join(s for s in _line_sentences(line) if s in said) for line in part.split("\n"))
                    part = "\n".join(line for line in lines if line)
                parts.append(part[:-1] + "." if part.endswith(":") else part)   # what followed is the slide's
        if parts:
            kept.append(_slide("\n\n".join(parts), "notes"))
    return [c for c in kept if not is_notes(c)] + _cues([c for c in kept if is_notes(c)])


def _cues(notes: list) -> list:
    """Notes a lecturer can glance at: at most ``NOTES_WORDS`` words, every line's first sentence
    and then its next ones, in order, while they fit (the lecture page says the rest). A sentence
    that ends in a colon comes with the one it introduces, or not at all."""
    found = [(k, p, n, i, sentence) for k, cell in enumerate(notes)
             for p, part in enumerate(paragraphs(cell.source)) for n, line in enumerate(part.split("\n"))
             for i, sentence in enumerate(_line_sentences(line))]
    units, j = [], 0
    while j < len(found):                         # "20-D, all test images:" + "ELBO -99.3 ..."
        unit = [j]
        while found[unit[-1]][4].endswith(":") and unit[-1] + 1 < len(found) \
                and found[unit[-1] + 1][:2] == found[j][:2]:
            unit.append(unit[-1] + 1)
        units.append(unit)
        j = unit[-1] + 1
    words = lambda chosen: sum(len(found[j][4].split()) for j in chosen)
    if words(range(len(found))) <= NOTES_WORDS:
        return notes
    chosen: set[int] = set()
    follows = lambda j: found[j][3] == 0 or j - 1 in chosen        # a line goes on only where it began
    for unit in sorted(units, key=lambda u: (min(found[j][3] for j in u), u[0])):   # first sentences first
        if (len(unit) > 1 or follows(unit[0])) and (words(chosen | set(unit)) <= NOTES_WORDS or not chosen):
            chosen |= set(unit)
    out = []
    for k, cell in enumerate(notes):
        parts = []
        for p, part in enumerate(paragraphs(cell.source)):
            lines = [" ".join(found[j][4] for j in sorted(chosen) if found[j][:3] == (k, p, n))
                     for n in range(len(part.split("\n")))]
            parts.append("\n".join(line for line in lines if line))
        if any(parts):
            out.append(_slide("\n\n".join(part for part in parts if part), "notes"))
    return out


def _whats_next(nb: nbformat.NotebookNode) -> str:
    """The text of the notebook's "What's next" section ("" if it has none)."""
    found, inside = [], False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for part in paragraphs(cell.source):
            heading = _heading(part.splitlines()[0])
            if heading and heading[0] <= 2:
                inside = heading[1].lower().startswith("what's next")
            elif inside:
                found.append(part)
    return "\n\n".join(found)


def constants(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The notebook's numeric constants (``EPOCHS, BATCH = 25, 256``), each set once: a slide shows
    their values, since the cell that sets them is not on it."""
    found: dict[str, set] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:                                  # IPython magics
            continue
        for node in tree.body:
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target, value = node.targets[0], node.value
            pairs = (zip(target.elts, value.elts) if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple)
                     else [(target, value)])
            for name, number in pairs:
                if isinstance(name, ast.Name) and name.id.isupper():
                    plain = isinstance(number, ast.Constant) and type(number.value) in (int, float)
                    found.setdefault(name.id, set()).add(ast.unparse(number) if plain else None)
    return {name: values.pop() for name, values in found.items()             # not a one-letter symbol, nor a seed
            if len(values) == 1 and None not in values and len(name) >= 4 and "SEED" not in name}


def main(argv: list[str]) -> int:
    for path in argv or sys.exit(__doc__):
        deck = plan(nbformat.read(path, as_version=4))
        print(path)  # noqa: T201
        number = 0
        for cell in deck.cells:
            kind = cell.metadata["slideshow"]["slide_type"]
            number += kind in ("slide", "subslide")
            first = cell.source.strip().splitlines()[0][:70] if cell.source.strip() else ""
            what = "figure" if cell.get("outputs") else cell.cell_type
            print(f"  {number:3d} {kind:8s} {what:8s} {first}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
