"""Sphinx configuration of the website: the lectures (from the committed notebooks, nothing executed)
and the manual, with the book theme. ``scripts/build_site.py`` stages this folder with the lectures
and runs Sphinx; everything the pages load (theme, search, MathJax) is copied beside them."""
project = "vae-tf"
author = "the vae-tf authors"
copyright = "2026, the vae-tf authors"
html_title = "vae-tf: variational autoencoders, from the equations up"

extensions = ["myst_nb", "sphinx_copybutton", "sphinx.ext.githubpages"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"                 # the committed full-mode outputs are the pages
nb_merge_streams = True
nb_render_markdown_format = "myst"      # a table a cell prints renders as a table (CommonMark has none)
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_readme.md", "_lectures.md"]
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_theme_options = {
    "use_download_button": True,          # each page's .ipynb (or .md) source
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "home_page_in_toc": False,
    "show_navbar_depth": 1,
}
# One search (the header's button, Ctrl+K), not a second box in the sidebar.
html_sidebars = {"**": ["navbar-logo.html", "sbt-sidebar-nav.html"]}
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_js_files = ["site.js"]
html_last_updated_fmt = None
html_show_sphinx = False
# MathJax from the local copy (scripts/web_assets.py), never from a CDN.
mathjax_path = "mathjax/mathjax/es5/tex-chtml-full.js"
copybutton_prompt_text = r">>> |\$ "
copybutton_prompt_is_regexp = True
html_context = {"default_mode": "auto"}   # light or dark from the reader's system
# An unknown macro is an error (marked, and caught by the browser test), not red text.
mathjax3_config = {"tex": {"packages": {"[-]": ["noundefined"]}}, "options": {"enableMenu": False}}
