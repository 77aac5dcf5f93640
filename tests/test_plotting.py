import matplotlib

matplotlib.use("Agg")
import matplotlib.figure  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vae_tf import plotting  # noqa: E402


def test_every_plot_returns_a_figure_with_the_content(small_mnist):
    x, y = small_mnist.x_test[:12], small_mnist.y_test[:12]
    grid = plotting.image_grid(x, ncols=6)
    assert isinstance(grid, matplotlib.figure.Figure) and len(grid.axes) == 1
    # one picture: two rows of six 28 x 28 images, GRID_GAP white pixels apart
    gap = plotting.GRID_GAP
    padded = [np.pad(image, ((0, gap), (0, gap))) for image in x]
    expected = np.block([padded[:6], padded[6:]])[:-gap, :-gap]
    np.testing.assert_array_equal(grid.axes[0].images[0].get_array(), expected)
    rows = plotting.reconstruction_rows(x[:5], x[5:10], labels=("data", "model"))
    assert [t.get_text() for t in rows.axes[0].get_yticklabels()] == ["data", "model"]
    picture = rows.axes[0].images[0].get_array()
    np.testing.assert_array_equal(picture[28 + gap:, 2 * (28 + gap):3 * (28 + gap) - gap], x[7])   # second row, third column
    scatter = plotting.latent_scatter(np.random.default_rng(0).normal(size=(12, 2)), y)
    assert len(scatter.axes[0].collections[0].get_offsets()) == 12
    calls = []
    plane = plotting.latent_grid(lambda z: calls.append(z) or np.zeros((len(z), 28, 28)), n=4)
    assert calls[0].shape == (16, 2) and plane.axes[0].images[0].get_array().shape == (112, 112)
    curves = plotting.training_curves({"a": {"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]}}, keys=["loss"])
    assert len(curves.axes[0].lines) == 2


def test_image_grid_titles_sit_above_their_images_and_the_last_row_may_be_short(small_mnist):
    x = small_mnist.x_test[:7]
    grid = plotting.image_grid(x, ncols=4, titles=["a", "", "c", "d", "e", "f", "g"])
    ax = grid.axes[0]
    picture = ax.images[0].get_array()
    assert [t.get_text() for t in ax.texts] == ["a", "c", "d", "e", "f", "g"]        # empty titles are not drawn
    for text, image in zip(ax.texts, x[[0, 2, 3, 4, 5, 6]]):    # each title centred just above its own image
        centre, bottom = text.get_position()
        r, c = int(bottom) + 1, int(centre - 13.5)
        np.testing.assert_array_equal(picture[r:r + 28, c:c + 28], image)
    assert not picture[-28:, -28:].any()                                          # the eighth cell stays empty
    assert not any(t.get_text() for t in plotting.image_grid(x, ncols=4).axes[0].texts)


def test_plot_input_errors():
    with pytest.raises(ValueError, match="differ"):
        plotting.reconstruction_rows(np.zeros((3, 4, 4)), np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="titles"):
        plotting.image_grid(np.zeros((3, 4, 4)), titles=["only one"])
    with pytest.raises(ValueError, match="ncols"):
        plotting.image_grid(np.zeros((3, 4, 4)), ncols=0)
    with pytest.raises(KeyError, match="elbo"):
        plotting.training_curves({"loss": [1.0]}, keys=["elbo"])


def test_markdown_table_formats_rows():
    table = plotting.markdown_table(["model", "ELBO"], [["2-D", -150.1234], ["20-D", np.float32(-99.5)]])
    assert table.data.splitlines() == ["| model | ELBO |", "|---|---|", "| 2-D | -150.12 |", "| 20-D | -99.50 |"]
    # a "|" inside a cell is escaped, so the row keeps as many cells as the header (GitHub-flavoured tables)
    table = plotting.markdown_table(["max q(y|x)", "n"], [["q(y|x)", 1]])
    assert [line.replace("\\|", "").count("|") for line in table.data.splitlines()] == [3, 3, 3]


@pytest.mark.parametrize("value", [3_049_871.2, 6_612.3, 82.66, 0.8391, 0.0123456, -4_560.0, 7.0])
def test_significant_keeps_two_digits_and_writes_big_numbers_out(value):
    text = plotting.significant(value)
    # the same rounding by another route: Python's %g keeps two significant digits
    assert float(text.replace(",", "")) == pytest.approx(float(f"{value:.2g}"))
    assert "e" not in text and len(text.replace(",", "").replace("-", "").replace(".", "").lstrip("0")) >= 2
    assert plotting.significant(3_049_871.2) == "3,000,000"
    assert plotting.significant(0.8391, 3) == "0.839"


def test_seed_table_gives_each_model_its_mean_and_spread():
    table = plotting.seed_table({"M2": [0.80, 0.90, 0.85]}, [0, 1, 2], "model",
                                single=[("chance", 0.1)])
    assert table.data.splitlines() == [
        "| model | seed 0 | seed 1 | seed 2 | mean | spread (max − min) |", "|---|---|---|---|---|---|",
        "| M2 | 80.0% | 90.0% | 85.0% | 85.0% | 10.0% |", "| chance |  |  |  | 10.0% |  |"]
    with pytest.raises(ValueError, match="'M2'.*2 values for 3 seeds"):
        plotting.seed_table({"M2": [0.8, 0.9]}, [0, 1, 2], "model")


def test_latent_grid_outlines_the_marked_cells():
    mark = np.zeros((3, 3), bool)
    mark[0, 2] = mark[2, 0] = True
    fig = plotting.latent_grid(lambda z: np.zeros((len(z), 4, 4)), extent=(0, 3, 0, 3), n=3, mark=mark,
                               mark_label="no code here")
    boxes = [p.get_xy() for p in fig.axes[0].patches]
    assert sorted(boxes) == [(0.0, 0.0), (2.0, 2.0)]  # top-right and bottom-left cells (z_2 grows upwards)
    centres = []
    plotting.latent_grid(lambda z: centres.append(z) or np.zeros((len(z), 4, 4)), extent=(0, 3, 0, 3), n=3)
    assert centres[0][0].tolist() == [0.5, 2.5] and centres[0][-1].tolist() == [2.5, 0.5]  # cell centres
    with pytest.raises(ValueError, match="mark"):
        plotting.latent_grid(lambda z: np.zeros((len(z), 4, 4)), n=3, mark=np.zeros((2, 2), bool))


@pytest.mark.parametrize("nrows", [2, 10])
def test_a_grid_leaves_no_blank_above_or_below_its_images_and_a_tall_one_has_larger_row_labels(nrows):
    images = np.random.default_rng(0).random((10 * nrows, 28, 28))
    fig = plotting.image_grid(images, ncols=10, row_labels=[f"y = {i}" for i in range(nrows)], title="t")
    ax = fig.axes[0]
    ax.apply_aspect()
    blank = (ax.get_position(original=True).height - ax.get_position().height) * fig.get_size_inches()[1]
    assert blank < 0.06, f"{blank:.2f} in of the figure's height holds no image"
    size = ax.get_yticklabels()[0].get_fontsize()
    # shown on a 720 px slide, a 10-row grid is scaled to about half: its labels must still read
    assert size == (plotting.LABEL_PT if nrows == 2 else 24), size
    long = plotting.image_grid(images, ncols=10, row_labels=[f"z{i} (KL 0.8) ← width (gap 0.15)" for i in range(nrows)])
    label = long.axes[0].get_yticklabels()[0]
    long.canvas.draw()
    share = label.get_window_extent().width / long.axes[0].get_window_extent().width
    assert label.get_fontsize() == plotting.LABEL_PT or share <= 0.2, "long labels may not crowd out the images"


def test_latent_grid_tints_each_owned_cell_in_its_digits_colour_and_names_the_digits():
    owner = np.array([[7, -1, 1], [-1, 7, -1], [-1, -1, -1]])
    fig = plotting.latent_grid(lambda z: np.zeros((len(z), 4, 4)), extent=(0, 3, 0, 3), n=3, owner=owner)
    tinted = {p.get_xy(): tuple(np.round(p.get_facecolor()[:3], 3)) for p in fig.axes[0].patches}
    seven, one = (tuple(np.round(plotting.DIGIT_COLORS(d)[:3], 3)) for d in (7, 1))
    # row 0 is the top (z_2 from 2 to 3); column 2 the right (z_1 from 2 to 3)
    assert tinted == {(0.0, 2.0): seven, (1.0, 1.0): seven, (2.0, 2.0): one}
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["1", "7"]
    with pytest.raises(ValueError, match="owner"):
        plotting.latent_grid(lambda z: np.zeros((len(z), 4, 4)), n=3, owner=np.zeros((3, 3)))


def test_latent_grid_draws_the_codes_as_dots_in_their_digits_colours_within_the_region():
    codes = np.array([[0.5, 2.5], [2.9, 0.1], [1.5, 1.5], [5.0, 5.0]])   # the last lies outside the region
    fig = plotting.latent_grid(lambda z: np.zeros((len(z), 4, 4)), extent=(0, 3, 0, 3), n=3,
                               codes=codes, code_labels=[0, 7, 7, 3], codes_label="a code")
    ax = fig.axes[0]
    dots = ax.collections[0]
    np.testing.assert_array_equal(dots.get_offsets(), codes)
    tab10_rgb = {0: (0.122, 0.467, 0.706), 7: (0.498, 0.498, 0.498), 3: (0.839, 0.153, 0.157)}   # matplotlib's tab10
    np.testing.assert_allclose(dots.get_facecolors()[:, :3], [tab10_rgb[d] for d in (0, 7, 7, 3)], atol=1e-3)
    assert ax.get_xlim() == (0, 3) and ax.get_ylim() == (0, 3), "the view stays the decoded region"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a code"]
    with pytest.raises(ValueError, match="codes"):
        plotting.latent_grid(lambda z: np.zeros((len(z), 4, 4)), n=3, codes=codes, code_labels=[0, 7])


def test_reference_lines_draws_each_yardstick_at_its_height_inside_the_axes_labelled_with_its_value():
    fig = plotting.training_curves({"a": {"loss": [150.0, 145.0, 142.0], "val_loss": [148.0, 144.0, 143.0]}})
    ax = fig.axes[0]
    plotting.reference_lines(ax, {"digit only": 171.63, "mean image": 205.8})
    added = ax.lines[2:]
    assert [tuple(line.get_ydata()) for line in added] == [(171.63, 171.63), (205.8, 205.8)]
    assert [t.get_text() for t in ax.texts] == ["digit only: 171.6", "mean image: 205.8"]
    low, high = ax.get_ylim()
    assert low < 142.0 and high > 205.8, "the view takes in the curves and every line"
    fig.canvas.draw()
    box = ax.get_window_extent()
    for text in ax.texts:
        extent = text.get_window_extent()
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 + 1 and box.y0 <= extent.y0 and extent.y1 <= box.y1


def test_cell_shares_counts_the_cells_each_digit_holds_among_the_cells_with_codes():
    owner = np.array([[7, 7, -1], [1, 7, -1], [-1, 9, 7]])      # 6 cells hold codes: four 7s, a 1, a 9
    shares = plotting.cell_shares(owner)
    assert shares.shape == (10,) and shares[7] == 4 / 6 and shares[1] == shares[9] == 1 / 6
    assert shares[[0, 2, 3, 4, 5, 6, 8]].sum() == 0
    with pytest.raises(ValueError, match="no cell"):
        plotting.cell_shares(-np.ones((2, 2), int))


def test_digit_shares_inside_counts_each_digits_codes_in_a_box_or_a_disc():
    rng = np.random.default_rng(1)
    codes, labels = rng.normal(size=(2000, 2)) * 3, rng.integers(0, 9, 2000)   # no 9s: NaN
    box = (-1.0, 2.0, -3.0, 0.5)
    in_box, in_disc = plotting.digit_shares_inside(codes, labels, box=box), \
        plotting.digit_shares_inside(codes, labels, radius=2.5)
    for d in range(9):                                   # one code at a time, written out
        mine = [c for c, y in zip(codes, labels) if y == d]
        assert in_box[d] == pytest.approx(sum(-1 <= a <= 2 and -3 <= b <= 0.5 for a, b in mine) / len(mine))
        assert in_disc[d] == pytest.approx(sum(a * a + b * b < 2.5 ** 2 for a, b in mine) / len(mine))
    assert np.isnan(in_box[9]) and np.isnan(in_disc[9])
    assert plotting.digit_shares_inside([[2.0, 0.5]], [3], box=box)[3] == 1.0    # the corner counts
    with pytest.raises(ValueError):
        plotting.digit_shares_inside(codes, labels)


def test_cell_majority_counts_each_cells_codes_as_latent_grid_draws_the_cells():
    # a hand-made case on the cells of (0, 3) x (0, 6), 3 x 3: each cell 1 wide and 2 tall
    codes = [[0.5, 5.5], [0.2, 4.1], [0.9, 5.0],      # top-left cell: 7, 7, 1
             [2.5, 0.5], [3.0, 6.0],                  # bottom-right cell: 4; the top-right corner: 2
             [1.5, 2.5], [1.5, 3.5],                  # middle cell: a tie of 9 and 3 goes to 3
             [5.0, 1.0], [-0.1, 5.0]]                 # outside the region: in no cell
    labels = [7, 7, 1, 4, 2, 9, 3, 8, 8]
    expected = np.array([[7, -1, 2], [-1, 3, -1], [-1, -1, 4]])
    np.testing.assert_array_equal(plotting.cell_majority(codes, labels, (0, 3, 0, 6), n=3), expected)
    # many random codes: against a count cell by cell, with each cell's bounds written out
    rng = np.random.default_rng(0)
    codes, labels = rng.normal(size=(3000, 2)) * [2.0, 5.0], rng.integers(0, 10, 3000)
    extent, n = (-3.0, 3.0, -8.0, 8.0), 5
    w, h = 6.0 / n, 16.0 / n
    owner = plotting.cell_majority(codes, labels, extent, n)
    for r in range(n):
        for c in range(n):
            left, top = -3.0 + c * w, 8.0 - r * h             # row 0 is the top: z_2 from 8 - h to 8
            in_cell = ((codes[:, 0] >= left) & (codes[:, 0] < left + w)
                       & (codes[:, 1] >= top - h) & (codes[:, 1] < top))
            digits = [int(np.sum(labels[in_cell] == d)) for d in range(10)]
            assert owner[r, c] == (digits.index(max(digits)) if sum(digits) else -1), (r, c)
    with pytest.raises(ValueError, match="shape"):
        plotting.cell_majority(np.zeros((4, 3)), np.zeros(4), (0, 1, 0, 1))


def test_tc_sweep_draws_each_kind_and_the_excess_seed_by_seed():
    rng = np.random.default_rng(0)
    betas = [1.0, 2.0, 4.0]
    measured = {k: rng.normal(5, 1, size=(3, 4)) for k in ("a", "b")}
    shuffled = {k: rng.normal(5, 1, size=(3, 4)) for k in ("a", "b")}
    fig = plotting.tc_sweep(betas, measured, shuffled)
    left, right = fig.axes[:2]
    # left: per kind a solid (measured) and a dashed (shuffled) line through the seed means
    assert len(left.containers) == 4 and len(right.containers) == 2
    np.testing.assert_allclose(left.containers[1].lines[0].get_ydata(), [np.mean(r) for r in shuffled["a"]])
    # right: the mean over seeds of measured − shuffled, each β's seeds paired
    expected = [np.mean([m - s for m, s in zip(mr, sr)]) for mr, sr in zip(measured["b"], shuffled["b"])]
    np.testing.assert_allclose(right.containers[1].lines[0].get_ydata(), expected)
    np.testing.assert_allclose(np.asarray(right.containers[1].lines[0].get_xdata(), float), betas)
    with pytest.raises(ValueError, match="betas"):
        plotting.tc_sweep(betas, {"a": np.zeros((2, 4))}, {"a": np.zeros((2, 4))})


def test_mig_vs_reconstruction_puts_each_mean_at_its_reconstruction():
    rng = np.random.default_rng(1)
    betas = [1.0, 2.0, 4.0]
    rec = {k: rng.normal(-100, 5, size=(3, 3)) for k in ("a", "b")}
    mig = {k: rng.uniform(0, 0.1, size=(3, 3)) for k in ("a", "b")}
    fig = plotting.mig_vs_reconstruction(betas, rec, mig, floor=0.001)
    ax = fig.axes[0]
    means = ax.containers[0].lines[0]              # the first kind's mean curve
    np.testing.assert_allclose(means.get_xdata(), [sum(r) / 3 for r in rec["a"]])
    np.testing.assert_allclose(means.get_ydata(), [sum(m) / 3 for m in mig["a"]])
    assert [t.get_text() for t in ax.texts] == ["β=2", "β=4", "β=2", "β=4", "β=1:\nplain VAE"]
    assert any(np.allclose(line.get_ydata(), 0.001) for line in ax.lines)    # the floor


def test_place_labels_moves_a_label_off_a_line_and_off_another_label():
    import matplotlib.pyplot as plt
    from matplotlib.path import Path
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlim(0, 10), ax.set_ylim(0, 10)
    line, = ax.plot([5, 9], [5, 9], "-")                   # runs up and right from (5, 5)
    labels = [ax.annotate(text, (5, 5), textcoords="offset points", xytext=(5, 5), fontsize=13)
              for text in ("first", "second")]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert line.get_path().transformed(line.get_transform()).intersects_bbox(
        labels[0].get_window_extent(renderer), filled=False)        # the default corner hits the line
    plotting.place_labels(ax, labels)
    boxes = [label.get_window_extent(renderer) for label in labels]
    path = line.get_path().transformed(line.get_transform())
    assert not any(path.intersects_bbox(box, filled=False) for box in boxes)
    assert not boxes[0].overlaps(boxes[1])
    assert labels[0].xyann != (5, 5)
    assert isinstance(path, Path)
    plt.close(fig)


def test_seed_dots_puts_each_seed_and_the_mean_of_each_model_on_its_row():
    results = {"M2": [0.9, 0.8, 0.85], "baseline: the classifier alone": [0.7, 0.72, 0.77]}
    fig = plotting.seed_dots(results, [0, 1, 2], "accuracy (%)")
    ax = fig.axes[0]
    points = np.concatenate([c.get_offsets() for c in ax.collections])
    expected = [(100 * v, row) for row, shares in enumerate(results.values()) for v in shares]
    np.testing.assert_allclose(points, expected)
    means = [(line.get_xdata()[0], np.mean(line.get_ydata())) for line in ax.lines]
    np.testing.assert_allclose(means, [(85.0, 0), (73.0, 1)])              # (90 + 80 + 85) / 3, (70 + 72 + 77) / 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["M2", "baseline\nthe classifier alone"]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["seed 0", "seed 1", "seed 2", "mean"]
    assert len({tuple(h.get_color()) if not isinstance(h.get_color(), str) else h.get_color()
                for h in legend.legend_handles}) == 1, "the legend's keys share one neutral colour"
    with pytest.raises(ValueError, match="2 values for 3 seeds"):
        plotting.seed_dots({"M2": [0.9, 0.8]}, [0, 1, 2], "accuracy (%)")


def test_paired_by_class_joins_each_class_pair_and_starts_the_axis_at_zero():
    first, second = [0.97, 0.78, 0.9], [0.96, 0.735, 0.92]
    fig = plotting.paired_by_class({"with": first, "without": second}, "digit", "correct (%)")
    ax = fig.axes[0]
    joins, *markers = ax.collections
    for k, segment in enumerate(joins.get_segments()):                    # class k: from one share to the other
        np.testing.assert_allclose(segment, [(k, 100 * first[k]), (k, 100 * second[k])])
    np.testing.assert_allclose(markers[1].get_offsets(), [(0, 96), (1, 73.5), (2, 92)])
    assert ax.get_ylim() == (0, 100)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["with", "without"]
    with pytest.raises(ValueError, match="two models"):
        plotting.paired_by_class({"a": first}, "digit", "correct (%)")


def test_at_percentiles_picks_the_item_of_each_rank_within_the_pool():
    values = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 2.0])
    # sorted: 1 (index 1), 2 (5), 3 (3), 5 (0), 7 (4), 9 (2): rank 0 is the smallest, rank 1 the largest
    np.testing.assert_array_equal(plotting.at_percentiles(values, [0.0, 1.0]), [1, 2])
    # rank 0.4 of 6 items: position int(0.4 · 5) = 2 from 0, the third smallest (3, at index 3)
    np.testing.assert_array_equal(plotting.at_percentiles(values, [0.4]), [3])
    # among indices 0, 2, 4 (values 5, 9, 7): smallest, middle, largest
    among = np.array([True, False, True, False, True, False])
    np.testing.assert_array_equal(plotting.at_percentiles(values, [0.0, 0.5, 1.0], among), [0, 4, 2])
    with pytest.raises(ValueError, match="ranks"):
        plotting.at_percentiles(values, [1.5])


def test_traversal_grid_names_each_blocks_ends_and_middle_under_its_columns():
    starts, values, rows = ["a 0", "a 1"], [-2.0, 0.0, 2.0], 2
    # every image one flat grey level that says which block and column it is
    images = np.zeros((2, rows, 3, 28, 28))
    for b in range(2):
        for c in range(3):
            images[b, :, c] = 0.1 + 0.3 * b + 0.1 * c
    fig = plotting.traversal_grid(images, values, starts, ["z1", "z2"], "t")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "−2", "t = 0\n(from a 0)", "2", "−2", "t = 0\n(from a 1)", "2"]
    canvas = np.asarray(ax.images[0].get_array())
    expected = [0.1 + 0.3 * b + 0.1 * c for b in range(2) for c in (0, 1, 2)]
    under = [canvas[14, int(round(x))] for x in ax.get_xticks()]      # the pixel column under each tick
    np.testing.assert_allclose(under, expected, atol=1e-6)
    assert canvas.shape[1] == 7 * 28 + 6 * plotting.GRID_GAP            # 3 + blank + 3 columns
    assert np.all(canvas[:, 3 * 30:3 * 30 + 28] == 0)                   # the blank column between blocks
    with pytest.raises(ValueError, match="values"):
        plotting.traversal_grid(images[:, :, :2], values, starts, ["z1", "z2"], "t")


def test_traversal_grid_rules_off_the_rows_below_the_one_named():
    images = np.ones((1, 3, 2, 28, 28))                                 # three rows of solid ink
    ax = plotting.traversal_grid(images, [-1.0, 1.0], ["a 0"], ["z1", "z2", "z3"], "t", rule_above=2).axes[0]
    canvas = np.asarray(ax.images[0].get_array())
    (y,) = {line.get_ydata()[0] for line in ax.get_lines()}
    gaps = np.flatnonzero(canvas[:, 14] == 0)                           # the white rows between images
    above_third = gaps[(gaps > 2 * 28) & (gaps < 3 * 28)]                # the gap between rows 2 and 3
    assert len(above_third) == plotting.GRID_GAP and above_third.min() - 0.5 <= y <= above_third.max() + 0.5
    assert not plotting.traversal_grid(images, [-1.0, 1.0], ["a 0"], ["z1", "z2", "z3"], "t").axes[0].get_lines()
    with pytest.raises(ValueError, match="rule_above"):
        plotting.traversal_grid(images, [-1.0, 1.0], ["a 0"], ["z1", "z2", "z3"], "t", rule_above=3)


def test_mi_heatmaps_draw_each_array_with_its_title_on_one_scale():
    rng = np.random.default_rng(2)
    shares = {"left": rng.uniform(0, 0.3, (5, 3)), "right": rng.uniform(0, 0.3, (5, 3))}
    fig = plotting.mi_heatmaps(shares, ["a", "b", "c"])
    axes = fig.axes[:2]
    for ax, (title, a) in zip(axes, shares.items()):
        assert ax.get_title() == title
        np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), a)
        assert ax.images[0].get_clim() == (0, 0.35)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert len(fig.axes) == 3                                            # two maps and one colour bar
    with pytest.raises(ValueError, match="factors"):
        plotting.mi_heatmaps({"x": np.zeros((5, 2))}, ["a", "b", "c"])


def test_overall_and_by_class_puts_each_seed_in_its_models_column_and_pairs_the_classes():
    overall = {"with": [0.923, 0.935, 0.951], "without": [0.913]}
    first, second = [0.97, 0.78, 0.9], [0.96, 0.735, 0.92]
    fig = plotting.overall_and_by_class(overall, [0, 1, 2], {"with": first, "without": second},
                                        "correct (%)", "digit", "correct (%)")
    left, right = fig.axes
    points = np.concatenate([c.get_offsets() for c in left.collections])
    np.testing.assert_allclose(points, [(0, 92.3), (0, 93.5), (0, 95.1), (1, 91.3)])
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["seed 0", "seed 1", "seed 2"]
    keyed = [h.get_marker() for h in left.get_legend().legend_handles]
    assert keyed == ["o", "s", "^"], "the key shows each seed's marker"
    assert not left.texts or all(t.get_text() == "chance" for t in left.texts), "no label sits beside a marker"
    assert [t.get_text() for t in left.get_xticklabels()] == ["with", "without"]
    # a seed keeps seed_dots' marker in either model's column (seed 0: a circle in both), a model its colour
    dots = plotting.seed_dots({"with": overall["with"]}, [0, 1, 2], "")
    seed_shapes = [c.get_paths()[0].vertices for c in dots.axes[0].collections[:3]]
    for collection, seed in zip(left.collections, [0, 1, 2, 0]):
        np.testing.assert_allclose(collection.get_paths()[0].vertices, seed_shapes[seed])
    colours = [tuple(c.get_facecolor()[0]) for c in left.collections]
    assert colours[0] == colours[1] == colours[2] != colours[3]
    joins, *markers = right.collections
    for k, segment in enumerate(joins.get_segments()):
        np.testing.assert_allclose(segment, [(k, 100 * first[k]), (k, 100 * second[k])])
    assert right.get_ylim() == (0, 100)
    assert left.get_ylim()[0] < 91.3 and left.get_ylim()[1] > 95.1 and left.get_ylim()[0] > 85
    wide = plotting.overall_and_by_class(overall, [0, 1, 2], {"with": first, "without": second},
                                         "correct (%)", "digit", "correct (%)", overall_ylim=(80, 100))
    assert wide.axes[0].get_ylim() == (80, 100)
    with pytest.raises(ValueError, match="4 values for at most 3 seeds"):
        plotting.overall_and_by_class({"with": [0.9] * 4, "without": [0.9]}, [0, 1, 2],
                                      {"with": first, "without": second}, "", "", "")
    with pytest.raises(ValueError, match="the same two models"):
        plotting.overall_and_by_class({"with": [0.9], "other": [0.9]}, [0],
                                      {"with": first, "without": second}, "", "", "")


def test_overall_and_by_class_can_draw_each_class_gap_in_points_about_zero_and_mark_one():
    first, second = [0.97, 0.78, 0.90], [0.96, 0.735, 0.92]
    fig = plotting.overall_and_by_class({"with": [0.92], "without": [0.91]}, [0], {"with": first, "without": second},
                                        "correct (%)", "digit", "gap (points)", difference=True, mark=1)
    right = fig.axes[1]
    heights = [bar.get_height() for bar in right.patches]
    np.testing.assert_allclose(heights, [1.0, 4.5, -2.0], atol=1e-9)    # 97 − 96, 78 − 73.5, 90 − 92
    colors = [tuple(bar.get_facecolor()) for bar in right.patches]
    assert colors[0] == colors[2] != colors[1]                           # only the marked class stands out
    assert any(np.allclose(line.get_ydata(), 0) for line in right.lines)  # the line at 0
    assert right.get_ylim()[0] < -2.0 and right.get_ylim()[1] > 4.5


def test_overall_and_by_class_draws_chance_as_a_labeled_line_in_percent():
    fig = plotting.overall_and_by_class({"with": [0.92], "without": [0.91]}, [0],
                                        {"with": [0.9, 0.8], "without": [0.85, 0.8]}, "correct (%)", "digit",
                                        "gap (points)", overall_ylim=(0, 100), chance=0.1)
    left = fig.axes[0]
    flat = [line for line in left.lines if np.ptp(line.get_ydata()) == 0]
    assert [line.get_ydata()[0] for line in flat] == [10.0]               # a tenth, in percent
    assert "chance" in [t.get_text() for t in left.texts]
    without = plotting.overall_and_by_class({"with": [0.92], "without": [0.91]}, [0],
                                            {"with": [0.9, 0.8], "without": [0.85, 0.8]}, "c", "d", "g")
    assert not without.axes[0].lines and "chance" not in [t.get_text() for t in without.axes[0].texts]


def test_column_titled_grid_titles_each_column_above_the_top_row_at_slide_size():
    images = np.zeros((6, 4, 5))
    images[4, 1, 2] = 1.0                                  # image 4: row 1, column 1 of a 3-column grid
    fig = plotting.column_titled_grid(images, ["x", "0", "1"], title="grid")
    ax = fig.axes[0]
    canvas = ax.get_images()[0].get_array()
    gap = plotting.GRID_GAP
    assert canvas[1 * (4 + gap) + 1, 1 * (5 + gap) + 2] == 1.0 and canvas.sum() == 1.0
    assert [t.get_text() for t in ax.texts] == ["x", "0", "1"]
    assert [t.get_position()[0] for t in ax.texts] == [2.0, 2.0 + 5 + gap, 2.0 + 2 * (5 + gap)]
    assert all(t.get_position()[1] < -0.5 and t.get_fontsize() == 16 for t in ax.texts)   # above the images
    with pytest.raises(ValueError, match="one title per column"):
        plotting.column_titled_grid(images, [])


def test_symlog_axis_labels_ticks_plainly_and_shades_the_linear_band():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [-500.0, -0.3, 5.0])
    plotting.symlog_axis(ax, linthresh=1)
    fig.canvas.draw()
    assert ax.get_yscale() == "symlog" and ax.yaxis.get_transform().linthresh == 1
    labels = {round(t.get_position()[1]): t.get_text() for t in ax.get_yticklabels() if t.get_text()}
    for value, text in [(-100, "\u2212100"), (-10, "\u221210"), (-1, "\u22121"), (0, "0"), (1, "1")]:
        assert labels[value] == text
    band = [p for p in ax.patches if p.get_zorder() == 0][0]
    low, high = sorted({y for _, y in band.get_transform().transform(band.get_path().vertices)})
    assert np.allclose(ax.transData.inverted().transform([[0, low], [0, high]])[:, 1], [-1, 1])
    plt.close(fig)


def test_errors_against_K_and_D_draws_each_proposals_mean_and_range_and_the_toys_mean_per_dimension():
    import matplotlib.pyplot as plt
    Ks, dims = [1, 10, 100], [1, 2, 5]
    errors = {"prior": [[-30.0, -8.0, -2.0], [-10.0, -4.0, -1.0], [-20.0, -6.0, -0.0]],   # [repeat, K]
              "q": [[-1.0, -0.2, 0.0], [-0.5, 0.0, 0.1], [-0.6, -0.1, -0.1]]}
    toy = [np.array([0.1, -0.1, 0.3]), np.array([0.0, 0.2, 0.4]), np.array([-0.3, 0.0, 0.0])]
    fig = plotting.errors_against_K_and_D(Ks, errors, dims, toy, ["left", "right"])
    left, right = fig.axes
    assert np.allclose([ln.get_ydata() for ln in left.get_lines()], [[-20, -6, -1], [-0.7, -0.1, 0.0]])
    for band, rows in zip(left.collections, errors.values()):  # each band spans lowest to highest
        y = band.get_paths()[0].vertices[:, 1]
        assert np.isclose(y.min(), np.min(rows)) and np.isclose(y.max(), np.max(rows))
    legend = left.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["prior", "q"]
    assert "3 repeats" in legend.get_title().get_text()
    assert left.get_yscale() == "symlog" and right.get_yscale() == "linear"
    assert np.allclose(right.get_lines()[0].get_ydata(), [0.1, 0.2, -0.1])
    assert list(right.get_xticks()) == dims
    assert [ax.get_title() for ax in fig.axes] == ["left", "right"]
    plt.close(fig)


def test_proposals_against_K_draws_every_proposal_left_only_the_zoomed_one_right_and_the_elbo_in_both():
    import matplotlib.pyplot as plt
    Ks = [1, 10, 100]
    means = {"p(z)": [[-500.0, -300.0, -200.0], [-460.0, -280.0, -180.0]],
             "q(z|x)": [[-101.0, -100.0, -99.0], [-101.4, -100.4, -99.0]]}
    fig = plotting.proposals_against_K(Ks, means, -102.0, "ELBO", "both")
    left, right = fig.axes
    curves = lambda ax: [ln.get_ydata().tolist() for ln in ax.get_lines() if ln.get_linestyle() != ":"]
    assert np.allclose(curves(left), [[-480, -290, -190], [-101.2, -100.2, -99]])
    assert np.allclose(curves(right), [[-101.2, -100.2, -99]])
    for ax in (left, right):
        elbo = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
        assert len(elbo) == 1 and elbo[0].get_ydata()[0] == -102
    assert right.get_ylim()[0] == pytest.approx(-102.6) and right.get_title() == "Zoom on q"
    assert [t.get_text() for t in left.get_legend().get_texts()] == [
        "p(z): mean of 2 repeats", "p(z): lowest to highest", "q(z|x): mean of 2 repeats",
        "q(z|x): lowest to highest", "ELBO"]
    plt.close(fig)


def test_posterior_panel_draws_a_gaussians_density_levels_on_its_1_and_2_sigma_ellipses():
    import matplotlib.pyplot as plt
    loc, scale = np.array([0.5, -1.0]), np.array([0.3, 0.6])

    def log_gauss(z):  # log N(z; loc, diag scale²) up to a constant
        return -0.5 * (((z - loc) / scale) ** 2).sum(axis=1)

    fig, ax = plt.subplots()
    plotting.posterior_panel(ax, log_gauss, center=loc, half=2.0, loc=loc, scale=scale, n=301,
                             image=np.zeros((28, 28)), title="t")
    contours = [c for c in ax.collections if hasattr(c, "allsegs")][0]
    for level, radius in [(0, 2.0), (1, 1.0)]:       # outer edge of each grey region: 2σ, then 1σ
        segments = contours.allsegs[level]
        outer = max(segments, key=len)
        mahalanobis = np.sqrt((((outer - loc) / scale) ** 2).sum(axis=1))
        assert np.allclose(mahalanobis, radius, atol=0.02)
    widths = sorted((e.width, e.height) for e in ax.patches)
    assert np.allclose(widths, [2 * scale, 4 * scale]) and all(np.allclose(e.center, loc) for e in ax.patches)
    assert ax.get_title() == "t" and len(ax.child_axes) == 1
    fig.canvas.draw()
    for ticks, (low, high) in [(ax.get_xticks(), ax.get_xlim()), (ax.get_yticks(), ax.get_ylim())]:
        assert len([t for t in ticks if low <= t <= high]) <= 5, "few ticks: their labels do not run together"
    title = ax.title.get_window_extent()
    labels = [t.get_window_extent() for t in ax.get_yticklabels() if t.get_visible() and t.get_text()]
    assert labels and all(label.y1 < title.y0 for label in labels), \
        "the top tick label stays under the title"
    plt.close(fig)



def test_gaussian_ellipses_pass_through_the_points_one_and_two_sigmas_out_along_each_axis():
    import matplotlib.pyplot as plt
    loc, scale = np.array([1.0, -2.0]), np.array([0.5, 1.5])
    fig, ax = plt.subplots()
    plotting.gaussian_ellipses(ax, loc, scale, color="C1", ls="--")
    assert len(ax.patches) == 2
    for k, patch in zip((1, 2), ax.patches):
        edge = ax.transData.inverted().transform(patch.get_verts())  # the drawn outline, in data coordinates
        mahalanobis = np.sqrt((((edge - loc) / scale) ** 2).sum(axis=1))
        assert np.allclose(mahalanobis, k, atol=0.01)
        assert patch.get_linestyle() == "--" and not patch.get_fill()
    plt.close(fig)


@pytest.mark.parametrize("axis, low, high, expected", [
    ("x", 0.8, 120.0, ["1", "2", "5", "10", "20", "50", "100"]),
    ("y", 150.0, 13000.0, ["200", "500", "1,000", "2,000", "5,000", "10,000"]),
])
def test_plain_log_labels_one_two_five_times_each_power_of_ten_as_plain_numbers(axis, low, high, expected):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot(*([[low, high], [1, 2]] if axis == "x" else [[1, 2], [low, high]]))
    getattr(plotting, f"plain_log_{axis}")(ax)
    getattr(ax, f"set_{axis}lim")(low, high)
    fig.canvas.draw()
    along = getattr(ax, f"{axis}axis")
    position = 0 if axis == "x" else 1
    shown = [t.get_text() for t in along.get_ticklabels() if low <= t.get_position()[position] <= high]
    powers = [m * 10**k for k in range(-1, 6) for m in (1, 2, 5) if low <= m * 10**k <= high]
    assert along.get_scale() == "log" and shown == [f"{v:,}" for v in powers] == expected
    assert all(t.get_text() == "" for t in along.get_minorticklabels())
    plt.close(fig)


def test_information_bars_draws_each_value_as_its_bar_top_down_and_the_ceiling():
    values = {"over the images": 2.27, "held out": 1.04, "plain": 1.99}
    fig = plotting.information_bars(values, np.log(10), "H(y) = log 10", "nats")
    ax = fig.axes[0]
    fig.canvas.draw()

    def height_on_screen(y):                       # display y grows upwards
        return ax.transData.transform((0, y))[1]

    # top to bottom on screen: the entries in order, each as long as its value, starting at 0
    bars = sorted(ax.patches, key=lambda p: -height_on_screen(p.get_y() + p.get_height() / 2))
    assert [b.get_width() for b in bars] == pytest.approx([2.27, 1.04, 1.99])
    assert all(b.get_x() == 0 for b in bars)
    ticks = sorted(ax.get_yticklabels(), key=lambda t: -height_on_screen(t.get_position()[1]))
    assert [t.get_text() for t in ticks] == list(values)
    assert {"2.27", "1.04", "1.99", "H(y) = log 10\n= 2.30"} <= {t.get_text() for t in ax.texts}
    assert any(np.allclose(line.get_xdata(), np.log(10)) for line in ax.lines)
    assert ax.get_xlim()[1] > np.log(10)
    with pytest.raises(ValueError, match="positive ceiling"):
        plotting.information_bars({"a": 1.0}, 0.0, "c", "nats")


def test_information_bars_draw_a_negative_estimate_left_of_zero_and_label_it_beside_the_bar():
    fig = plotting.information_bars({"held out": -0.04, "plain": 1.99}, np.log(10), "H(y)", "nats")
    ax = fig.axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx([-0.04, 1.99])
    assert ax.get_xlim()[0] < -0.04 < 0 < 1.99 < ax.get_xlim()[1]      # both bars in view
    label = next(t for t in ax.texts if t.get_text() == "-0.04")
    assert label.get_ha() == "left" and label.xy[0] == 0                 # beside the bar, from zero


def test_information_bars_centres_its_title_on_the_figure_despite_long_bar_labels():
    import matplotlib.pyplot as plt
    values = {"a long label that pushes the axes to the right": 1.0, "b": 2.0}
    fig = plotting.information_bars(values, np.log(10), "H(y)", "nats", title="the title")
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent(fig.canvas.get_renderer())
    width = fig.bbox.width
    assert abs((box.x0 + box.x1) / 2 - width / 2) < 0.01 * width   # the figure's centre
    axes_box = fig.axes[0].get_window_extent()
    assert (axes_box.x0 + axes_box.x1) / 2 - width / 2 > 0.05 * width   # the axes' centre lies right of it
    plt.close(fig)


def test_slide_fonts_sets_text_and_legend_sizes_inside_and_restores_them_after():
    import matplotlib.pyplot as plt
    before = (plt.rcParams["font.size"], plt.rcParams["legend.fontsize"])
    with plotting.slide_fonts(19):
        fig, ax = plt.subplots()
        ax.plot([0, 1], label="a")
        legend = ax.legend()
        label = ax.set_xlabel("x")  # axes.labelsize "medium": the font size itself
        assert plt.rcParams["font.size"] == plt.rcParams["legend.fontsize"] == 19
    assert label.get_fontsize() == 19 and legend.get_texts()[0].get_fontsize() == 19
    assert (plt.rcParams["font.size"], plt.rcParams["legend.fontsize"]) == before
    plt.close(fig)


def test_latent_grid_zoom_decodes_the_smaller_region_on_its_own_cells_beside_the_plane():
    seen = []
    decode = lambda z: seen.append(z) or np.zeros((len(z), 4, 4))
    zoom_owner = np.array([[-1, 2], [3, -1]])
    fig = plotting.latent_grid(decode, extent=(0, 4, 0, 4), n=2, owner=np.array([[7, -1], [-1, -1]]),
                               codes=np.array([[0.5, 0.5]]), code_labels=[2], title="plane",
                               zoom=(0, 1, 0, 2), zoom_n=2, zoom_owner=zoom_owner, zoom_title="zoom")
    left, right = fig.axes[:2]
    # the zoom's cells are 0.5 wide and 1 tall; centres row by row from the top, as drawn
    assert seen[1].tolist() == [[0.25, 1.5], [0.75, 1.5], [0.25, 0.5], [0.75, 0.5]]
    assert tuple(right.images[0].get_extent()) == (0, 1, 0, 2) and right.get_title() == "zoom"
    outline = [p for p in left.patches if p.get_facecolor()[3] == 0]
    assert [(p.get_xy(), p.get_width(), p.get_height()) for p in outline] == [((0, 0), 1, 2)]
    tinted = {p.get_xy(): int(np.argmin([np.abs(np.subtract(p.get_facecolor()[:3], plotting.DIGIT_COLORS(d)[:3])).sum()
                                          for d in range(10)])) for p in right.patches}
    assert tinted == {(0.5, 1.0): 2, (0.0, 0.0): 3}                 # top right: 2; bottom left: 3
    texts = [t.get_text() for t in right.get_legend().get_texts()]
    assert texts[:3] == ["2", "3", "7"], "the legend names the digits of both panels"
    assert fig._suptitle.get_text() == "plane" and left.get_title() == ""
    faint, bold = left.collections[0], right.collections[0]
    assert faint.get_alpha() < bold.get_alpha() and faint.get_zorder() < 1, "the plane's dots lie faint, under the tints"


def test_latent_grid_hatches_the_zooms_marked_cells_and_names_them_once_in_the_legend():
    zoom_mark = np.array([[True, False], [False, False]])               # the top-left cell of the zoom
    fig = plotting.latent_grid(lambda z: np.zeros((len(z), 4, 4)), extent=(0, 4, 0, 4), n=2,
                               mark=np.zeros((2, 2), bool), mark_label="empty",
                               zoom=(0, 1, 0, 2), zoom_n=2, zoom_mark=zoom_mark)
    right = fig.axes[1]
    hatched = [p for p in right.patches if p.get_hatch()]
    # the zoom's cells are 0.5 wide and 1 tall: the top-left one starts at z = (0, 1)
    assert [(tuple(p.get_xy()), p.get_width(), p.get_height()) for p in hatched] == [((0.0, 1.0), 0.5, 1.0)]
    texts = [t.get_text() for t in right.get_legend().get_texts()]
    assert texts.count("empty") == 1, "the hatch is named in the legend even when only the zoom has marked cells"
    outline = [p for p in fig.axes[0].patches if p.get_facecolor()[3] == 0]
    assert len(outline) == 1 and outline[0].get_linewidth() < 2, "a thin outline of the zoomed spot"


def test_code_extent_measures_the_middle_98_percent_of_each_digits_codes_along_each_axis():
    # digit 7: z_1 = 0, 1, ..., 100 and z_2 twice that: the 1st to 99th percentile runs 1..99 and 2..198
    sevens = np.stack([np.arange(101.0), 2 * np.arange(101.0)], axis=1)
    codes = np.concatenate([sevens, [[1000.0, -1000.0]] * 3])          # far-off codes of another digit
    labels = [7] * 101 + [0] * 3
    extent = plotting.code_extent(codes, labels, digits=(0, 7))
    assert extent[7] == pytest.approx((98.0, 196.0)) and extent[0] == pytest.approx((0.0, 0.0))


def test_decoded_code_plane_tints_each_cell_by_its_codes_and_hatches_the_empty_ones_in_both_panels():
    # on (0, 3) x (0, 3) in 3 x 3 cells: two 3s in the bottom-left cell, one 7 in the top-right one
    codes, labels = np.array([[0.5, 0.5], [0.6, 0.4], [2.5, 2.5]]), [3, 3, 7]
    fig, owner = plotting.decoded_code_plane(lambda z: np.zeros((len(z), 4, 4)), codes, labels, (0, 3, 0, 3), n=3,
                                             zoom=(0, 1, 0, 1), zoom_n=2, mark_label="no code")
    left, right = fig.axes[:2]
    assert owner.tolist() == [[-1, -1, 7], [-1, -1, -1], [3, -1, -1]]
    hatched = lambda ax: sum(bool(p.get_hatch()) for p in ax.patches)
    tinted = lambda ax: sum(0 < p.get_facecolor()[3] < 0.5 and not p.get_hatch() for p in ax.patches)
    assert (hatched(left), tinted(left)) == (7, 2)
    # the zoom's 2 x 2 cells of 0.5: both 3s fall in its right column, one per row
    assert (hatched(right), tinted(right)) == (2, 2)
    assert [t.get_text() for t in right.get_legend().get_texts()][:3] == ["3", "7", "no code"]


def test_latent_grid_outline_of_a_zoom_beyond_the_plane_stops_at_its_edge():
    fig = plotting.latent_grid(lambda z: np.zeros((len(z), 4, 4)), extent=(0, 4, 0, 4), n=2, zoom=(1, 2, -1, 2))
    outline = [p for p in fig.axes[0].patches if p.get_facecolor()[3] == 0]
    assert [(tuple(p.get_xy()), p.get_width(), p.get_height()) for p in outline] == [((1, 0), 1, 2)]


def test_estimator_training_draws_each_seed_per_step_and_per_decoder_evaluation_but_skips_off_panel_runs():
    import matplotlib.pyplot as plt
    curves = {"a": [np.array([5.0, 4, 3]), np.array([6.0, 5, 4])], "b": [np.array([900.0, 950, 990])],
              "c": [np.array([7.0, 3, 2])]}
    fig = plotting.estimator_training(curves, {"a": 1, "b": 1, "c": 10}, steps_per_epoch=100, budget=3,
                                      titles=("left", "right"), notes={"a": "2 seeds"},
                                      one_epoch=("d", 10, [4.5, 4.4]), off_panel=["b"], size=12)
    per_step, per_eval = fig.axes
    curve_lines = [line for line in per_step.lines if line.get_marker() != "D"]
    assert len(curve_lines) == 4                              # every seed of every run, per step
    np.testing.assert_array_equal(curve_lines[0].get_xdata(), [100, 200, 300])
    evaluated = sorted(tuple(line.get_xdata()) for line in per_eval.lines
                       if line.get_marker() not in ("D", "None", "") and len(line.get_xdata()) > 1)
    assert evaluated == [(1, 2, 3), (1, 2, 3), (10, 20, 30)], "b is off the right panel; c costs 10 per epoch"
    diamonds = [line for line in per_eval.lines if line.get_marker() == "D"]
    assert [tuple(line.get_xdata()) for line in diamonds] == [(10,), (10,)]
    assert diamonds[0].get_markerfacecolor() != "none" and diamonds[1].get_markerfacecolor() == "none"
    assert per_step.get_yscale() == "log" and per_eval.get_xscale() == "log"
    assert per_eval.get_ylabel() and (per_step.get_title(), per_eval.get_title()) == ("left", "right")
    assert any(t.get_text() == "b: far above\nthis panel" for t in per_eval.texts)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["a\n(2 seeds)", "b", "c", "d\n(2 seeds, 1 epoch; filled: seed 0)"]
    assert all(t.get_fontsize() == 12 for t in fig.legends[0].get_texts())
    plt.close(fig)


def test_samples_against_steps_puts_each_run_at_steps_and_at_epochs_times_S_one_epoch_as_diamonds():
    import matplotlib.pyplot as plt
    curves = {1: np.array([[5.0, 4, 3, 2], [5.1, 4.1, 3.1, 2.1]]), 4: np.array([[4.0], [4.2]])}
    fig = plotting.samples_against_steps(curves, steps_per_epoch=10, titles=("a", "b"))
    steps, evals = fig.axes
    assert len(steps.lines) == len(evals.lines) == 4           # one line per seed in each panel
    assert [tuple(line.get_xdata()) for line in steps.lines] == [(10, 20, 30, 40)] * 2 + [(10,)] * 2
    assert [tuple(line.get_xdata()) for line in evals.lines] == [(1, 2, 3, 4)] * 2 + [(4,)] * 2
    assert [line.get_marker() for line in evals.lines] == ["o", "o", "D", "D"]
    assert steps.get_xscale() == "linear" and evals.get_xscale() == "log"
    assert steps.get_shared_y_axes().joined(steps, evals)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["S = 1, 4 epochs (2 seeds)", "S = 4, 1 epoch (2 seeds)"]
    plt.close(fig)


def test_samples_against_steps_max_steps_limits_only_the_steps_panel():
    import matplotlib.pyplot as plt
    curves = {1: np.array([[5.0, 4, 3, 2]]), 2: np.array([[4.5, 3.5]])}
    fig = plotting.samples_against_steps(curves, steps_per_epoch=10, titles=("a", "b"), max_steps=25)
    steps, evals = fig.axes
    assert max(line.get_xdata().max() for line in steps.get_lines()) <= 25   # no point past the cut
    assert steps.get_xlim()[1] >= 25 and 0 < steps.get_xlim()[0] < 10        # the first step shown
    assert [t.get_text() for t in steps.texts] == ["→ to 40 steps"], "the run cut short says where it goes on"
    assert evals.get_xlim()[1] >= 4                            # the right panel keeps every run
    plt.close(fig)
