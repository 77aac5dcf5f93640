"""The latent explorer: sliders decode what the model decodes; the static figure is the same sweep."""
import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pytest

import vae_tf
from vae_tf.explorer import LatentExplorer, _png, latent_explorer
from vae_tf.semisupervised import SemiSupervisedVAE


@pytest.fixture(scope="module")
def vae():
    vae_tf.set_seed(0)
    model = vae_tf.VAE(latent_dim=4, hidden=(16,))
    model.encode(np.zeros((1, 28, 28), np.float32))
    return model


@pytest.fixture(scope="module")
def m2():
    vae_tf.set_seed(0)
    model = SemiSupervisedVAE(latent_dim=3, hidden=(16, 8))
    model.classify(np.zeros((1, 28, 28), np.float32))
    return model


def _decoded_png(png: bytes) -> np.ndarray:
    return plt.imread(io.BytesIO(png))


def test_slider_moves_decode_the_model(vae):
    ex = LatentExplorer(vae, dims=[1, 3], span=2.0)
    before = ex.image()
    after = ex.set(3, 1.5)
    expected = vae.decode(np.array([[0, 0, 0, 1.5]], np.float32)).mean().numpy()[0]
    np.testing.assert_allclose(after, expected, rtol=1e-6)
    assert not np.allclose(before, after)


def test_static_figure_is_the_same_sweep(vae):
    ex = LatentExplorer(vae, dims=[0, 2], span=3.0, steps=5, center=np.full(4, 0.5))
    codes = vae_tf.plotting.traversal_codes(ex.center, ex.dims, np.linspace(-3, 3, 5))
    assert codes.shape == (10, 4)
    np.testing.assert_allclose(codes[:5, 0], np.linspace(-3, 3, 5))
    np.testing.assert_allclose(codes[:5, 1:], 0.5)  # the other dimensions stay at the center
    np.testing.assert_allclose(codes[5:, 2], np.linspace(-3, 3, 5))
    fig = ex.figure()
    picture, gap = fig.axes[0].images[0].get_array(), vae_tf.plotting.GRID_GAP
    band = (picture.shape[0] - 2 * 28 - gap) // 2                           # room for the titles
    assert band > 0 and picture.shape == (2 * (band + 28) + gap, 5 * 28 + 4 * gap)  # two rows of five
    np.testing.assert_allclose(picture[-28:, 2 * (28 + gap):3 * 28 + 2 * gap], ex.decode(codes[7:8])[0], rtol=1e-6)
    # the swept values label the end and middle columns, each centred over its column
    texts = fig.axes[0].texts
    assert [t.get_text() for t in texts] == ["−3", "0", "3"]
    assert [round(t.get_position()[0]) for t in texts] == [round(k * (28 + gap) + 13.5) for k in (0, 2, 4)]
    plt.close(fig)


def test_m2_figure_title_writes_the_span_with_a_minus_sign(m2):
    fig = LatentExplorer(m2, dims=[1], span=2.5).figure()
    assert fig._suptitle.get_text() == "every digit $y$, style $z_{2}$ from \u22122.5 to 2.5"
    plt.close(fig)


def test_widget_panel_follows_sliders_and_digit(m2):
    pytest.importorskip("ipywidgets")
    ex = LatentExplorer(m2, dims=[0, 1], digit=7)
    ex._build_widget()
    ex._sliders[1].value = -2.0                       # what a student's drag does
    np.testing.assert_allclose(ex.z, [0.0, -2.0, 0.0])
    ex._digit.value = 3
    assert ex.digit == 3
    expected = m2.decode(np.array([[0.0, -2.0, 0.0]], np.float32), np.array([3])).mean().numpy()[0]
    shown = _decoded_png(ex._picture.value)
    assert shown.shape[:2] == (28 * 6, 28 * 6)
    assert shown.std() > 0 and ex._picture.value == _png(expected)


def test_show_puts_the_figure_beside_the_widget(vae, monkeypatch):
    pytest.importorskip("ipywidgets")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    ex = latent_explorer(vae, dims=[0])
    bundle = shown[0]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id
    assert base64.b64decode(bundle["image/png"])[:4] == b"\x89PNG"  # the static fallback
    shown.clear()
    latent_explorer(vae, dims=[0], interactive=False)
    assert "application/vnd.jupyter.widget-view+json" not in shown[0] and "image/png" in shown[0]


def test_bad_arguments(vae, m2):
    with pytest.raises(ValueError, match="dims"):
        LatentExplorer(vae, dims=[4])
    with pytest.raises(ValueError, match="center"):
        LatentExplorer(vae, center=np.zeros(3))
    with pytest.raises(ValueError, match="digit"):
        LatentExplorer(vae, digit=2)
    with pytest.raises(ValueError, match="digit=12"):
        LatentExplorer(m2, digit=12)
    with pytest.raises(ValueError, match="not built"):
        LatentExplorer(vae_tf.VAE(latent_dim=2, hidden=(8,)))
