import matplotlib

matplotlib.use("Agg")
import matplotlib.figure  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vae_tf import plotting  # noqa: E402


def test_every_plot_returns_a_figure_with_the_content(small_mnist):
    x, y = small_mnist.x_test[:12], small_mnist.y_test[:12]
    grid = plotting.image_grid(x, ncols=6)
    assert isinstance(grid, matplotlib.figure.Figure) and len(grid.axes) == 12
    np.testing.assert_array_equal(grid.axes[0].images[0].get_array(), x[0])
    rows = plotting.reconstruction_rows(x[:5], x[:5])
    assert len(rows.axes) == 10
    scatter = plotting.latent_scatter(np.random.default_rng(0).normal(size=(12, 2)), y)
    assert len(scatter.axes[0].collections[0].get_offsets()) == 12
    calls = []
    plane = plotting.latent_grid(lambda z: calls.append(z) or np.zeros((len(z), 28, 28)), n=4)
    assert calls[0].shape == (16, 2) and plane.axes[0].images[0].get_array().shape == (112, 112)
    curves = plotting.training_curves({"a": {"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]}}, keys=["loss"])
    assert len(curves.axes[0].lines) == 2


def test_plot_input_errors():
    with pytest.raises(ValueError, match="differ"):
        plotting.reconstruction_rows(np.zeros((3, 4, 4)), np.zeros((2, 4, 4)))
    with pytest.raises(KeyError, match="elbo"):
        plotting.training_curves({"loss": [1.0]}, keys=["elbo"])


def test_markdown_table_formats_rows():
    table = plotting.markdown_table(["model", "ELBO"], [["2-D", -150.1234], ["20-D", np.float32(-99.5)]])
    assert table.data.splitlines() == ["| model | ELBO |", "|---|---|", "| 2-D | -150.12 |", "| 20-D | -99.50 |"]
    # a "|" inside a cell is escaped, so the row keeps as many cells as the header (GitHub-flavoured tables)
    table = plotting.markdown_table(["max q(y|x)", "n"], [["q(y|x)", 1]])
    assert [line.replace("\\|", "").count("|") for line in table.data.splitlines()] == [3, 3, 3]


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
