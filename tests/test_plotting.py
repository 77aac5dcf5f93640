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
